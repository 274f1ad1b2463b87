using System.CommandLine;
using AgentHost.Hosting;
using AgentHost.Models;
using Spectre.Console;

namespace AgentHost.Cli;

/// <summary>
/// <c>models pull|list|rm</c>: the GGUF models of <c>AgentHost:Models:Path</c>, which the Embedded backend answers from
/// when no server does. Progress goes to stderr; stdout carries only the result.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("model") { Description = $"<owner>/<repo>/<file>.gguf, an https:// URL, or an alias: {string.Join(", ", ModelSpec.Aliases.Keys)}." };
        var revision = new Option<string?>("--revision") { Description = "The hub revision (branch, tag or commit); default main." };
        var pull = new Command("pull", "Download a GGUF model into the models folder (resumes a cut download, checks the sha256).") { spec, revision };
        pull.TreatUnmatchedTokensAsErrors = false;
        pull.SetAction((parse, ct) => WithOptions(parse, options => PullAsync(options, parse.GetValue(spec)!, parse.GetValue(revision), ct)));

        var list = new Command("list", "The models in the models folder, their size, and which one is the default.");
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction((parse, _) => WithOptions(parse, ListAsync));

        var file = new Argument<string>("file") { Description = "The model's file name, as `models list` shows it." };
        var rm = new Command("rm", "Remove a model (and any partial download of it).") { file };
        rm.TreatUnmatchedTokensAsErrors = false;
        rm.SetAction((parse, _) => WithOptions(parse, options => RemoveAsync(options, parse.GetValue(file)!)));

        return new Command("models", "Local GGUF models for the Embedded backend.") { pull, list, rm };
    }

    private static async Task<int> WithOptions(ParseResult parse, Func<ModelsOptions, Task<int>> body)
    {
        if (!ConfigurationOverrides.TryParse(parse.UnmatchedTokens, out var overrides, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return CommandHost.ExitConfiguration;
        }

        return await body(ModelsOptions.From(AgentHostApplication.CreateBuilder(overrides).Configuration));
    }

    private static async Task<int> PullAsync(ModelsOptions options, string text, string? revision, CancellationToken cancellationToken)
    {
        Uri hub;
        try
        {
            hub = options.Hub;
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitConfiguration;
        }

        if (!ModelSpec.TryParse(text, hub, revision, out var spec, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return CommandHost.ExitConfiguration;
        }

        var store = new ModelStore(options.FullPath, options.Default);
        Directory.CreateDirectory(store.Directory);
        var destination = Path.Combine(store.Directory, spec!.FileName);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("agent-host/" + (typeof(ModelsCommand).Assembly.GetName().Version?.ToString(3) ?? "0"));
        var downloader = new ModelDownloader(http, Environment.GetEnvironmentVariable("HF_TOKEN"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        try
        {
            ModelDownloader.Result? result = null;
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(spec.FileName), autoStart: true, maxValue: 1);
                    result = await downloader.DownloadAsync(spec.Url, destination, (received, total) =>
                    {
                        if (total is { } t)
                        {
                            task.MaxValue = t;
                        }
                        else
                        {
                            task.IsIndeterminate = true;
                        }

                        task.Value = received;
                    }, cancellationToken);
                    task.Value = task.MaxValue;
                });

            store.MarkDefaultIfNone(spec.FileName);
            var verified = result!.Sha256 is null ? "no checksum from the hub" : "sha256 verified";
            await Console.Out.WriteLineAsync(
                $"{spec.FileName}: {ModelSizes.Format(result.Size)}, {verified}{(result.Resumed ? ", resumed" : "")} → {result.Path}");
            return CommandHost.ExitOk;
        }
        catch (ModelDownloadException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandHost.ExitNoAnswer;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled; run the same pull again to resume.");
            return CommandHost.ExitCancelled;
        }
    }

    private static async Task<int> ListAsync(ModelsOptions options)
    {
        var store = new ModelStore(options.FullPath, options.Default);
        var files = store.List();
        if (files.Count == 0)
        {
            await Console.Out.WriteLineAsync($"No models in {store.Directory}. Pull a small one: agent-host models pull qwen2.5:0.5b");
            return CommandHost.ExitOk;
        }

        var defaultModel = store.DefaultModel();
        var table = new Table().AddColumns("Model", "Size", "Default");
        foreach (var file in files)
        {
            table.AddRow(Markup.Escape(file.Name), ModelSizes.Format(file.Length), file.FullName == defaultModel ? "yes" : "");
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200;
        }

        AnsiConsole.Write(table);
        await Console.Out.WriteLineAsync($"in {store.Directory}");
        return CommandHost.ExitOk;
    }

    private static async Task<int> RemoveAsync(ModelsOptions options, string file)
    {
        var store = new ModelStore(options.FullPath, options.Default);
        if (!store.Remove(file))
        {
            await Console.Error.WriteLineAsync($"No model '{file}' in {store.Directory} (see `models list`).");
            return CommandHost.ExitNoAnswer;
        }

        await Console.Out.WriteLineAsync($"Removed {Path.GetFileName(file)} from {store.Directory}.");
        return CommandHost.ExitOk;
    }
}
