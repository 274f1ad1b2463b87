using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// A corpus of bad inputs (<see cref="BadHttpCorpus"/>, <see cref="BadCliCorpus"/>): each must be refused with a clear
/// error (HTTP: a 4xx with OpenAI's error body naming the problem, Ollama's <c>{"error": "..."}</c> under <c>/api/</c>; CLI: a non-zero exit and a readable stderr, never a
/// stack trace) while the service stays up (<c>/health</c> answers after every case, the process never exits).
/// </summary>
internal static class BadInputSuite
{
    public const string ApiKey = "reliability-key";

    public static async Task<Findings> RunAsync(SuiteOptions options, CancellationToken cancellationToken)
    {
        var findings = new Findings("badinput");
        await using var emulators = await EmulatorSet.StartAsync();
        var config = HostConfig.For(emulators).Set("AgentHost__Http__ApiKey", ApiKey);
        await using var host = await HostServer.StartAsync(config.Environment, cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Add("X-Reliability", "bad-input");

        var httpCases = await BadHttpCorpus.BuildAsync(http, cancellationToken);
        var rows = new StringBuilder();
        foreach (var c in httpCases)
        {
            await RunHttpCaseAsync(c, http, host, findings, rows, cancellationToken);
        }

        var cliCases = BadCliCorpus.Build(emulators);
        if (options.Smoke)
        {
            cliCases = [.. cliCases.Where((_, i) => i % 4 == 0)];
        }

        foreach (var c in cliCases)
        {
            await RunCliCaseAsync(c, findings, rows, cancellationToken);
        }

        if (host.HasExited)
        {
            findings.Violation("host exited", host.Tail(20));
        }

        var md = $"{httpCases.Count} HTTP cases against `serve` (with an API key) and {cliCases.Count} CLI cases against the built host; " +
                 $"{findings.ViolationCount} not refused clearly.\n\n| # | input | answer |\n| ---: | --- | --- |\n{rows}";
        options.Report.AddSection("Bad inputs", md);
        options.Out.WriteLine($"   badinput: {httpCases.Count} HTTP + {cliCases.Count} CLI cases");
        return findings;
    }

    private static async Task RunHttpCaseAsync(BadHttpCase c, HttpClient http, HostServer host, Findings findings, StringBuilder rows, CancellationToken ct)
    {
        findings.Count("http case");
        var clock = Stopwatch.StartNew();
        string answer;
        try
        {
            using var request = c.Build();
            if (!request.Options.TryGetValue(BadHttpCorpus.NoKey, out _))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            }

            using var response = await http.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(ct);
            var path = request.RequestUri is { IsAbsoluteUri: true } sent ? sent.AbsolutePath : request.RequestUri?.OriginalString ?? ""; // made absolute by the send
            var message = ErrorMessage(body, path);
            answer = $"{status} {Cut(message ?? body, 140)}";
            if (!c.Statuses.Contains(status))
            {
                findings.Violation("unexpected status", $"HTTP '{c.Name}': wanted {string.Join(" or ", c.Statuses)}, got {status}: {Cut(body, 300)}");
            }
            else if (c.JsonError && string.IsNullOrWhiteSpace(message))
            {
                findings.Violation("error without a message", $"HTTP '{c.Name}': {status} with body '{Cut(body, 300)}'");
            }
            else if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) && body.Contains(".cs:", StringComparison.Ordinal))
            {
                findings.Violation("stack trace in the answer", $"HTTP '{c.Name}': {Cut(body, 300)}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            answer = $"no answer: {e.Message}";
            findings.Violation("no answer", $"HTTP '{c.Name}': {e.GetType().Name} {e.Message} after {clock.ElapsedMilliseconds} ms");
        }

        rows.AppendLine($"| {Row(findings)} | HTTP: {Escape(c.Name)} | {Escape(answer)} |");
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, "health") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", ApiKey) } };
            using var health = await http.SendAsync(probe, ct);
            if (!health.IsSuccessStatusCode)
            {
                findings.Violation("service down after a bad input", $"after '{c.Name}': /health answered {(int)health.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            findings.Violation("service down after a bad input", $"after '{c.Name}': /health failed: {e.Message}; {host.Tail(5)}");
        }
    }

    private static async Task RunCliCaseAsync(BadCliCase c, Findings findings, StringBuilder rows, CancellationToken ct)
    {
        findings.Count("cli case");
        var start = HostServer.HostProcessStart(c.Args, c.Environment);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            findings.Violation("cli hung", $"CLI '{c.Name}': no exit within 30 s");
            rows.AppendLine($"| {Row(findings)} | CLI: {Escape(c.Name)} | hung |");
            return;
        }

        var err = (await stderr).Trim();
        var output = (await stdout).Trim();
        var text = err.Length > 0 ? err : output; // System.CommandLine's own parse errors also go to stderr
        // The host's log lines ("[Mlx] health ...") go to stderr too: the error is the first line that is not one.
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var firstLine = lines.FirstOrDefault(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^(\w+: )?\[")) ?? lines.FirstOrDefault() ?? "";
        rows.AppendLine($"| {Row(findings)} | CLI: {Escape(c.Name)} | exit {process.ExitCode}: {Escape(Cut(firstLine, 140))} |");
        if (process.ExitCode == 0)
        {
            findings.Violation("bad input accepted", $"CLI '{c.Name}': exit 0; stdout '{Cut(output, 200)}'");
        }
        else if (process.ExitCode >= 131 && process.ExitCode != 130)
        {
            findings.Violation("cli crashed", $"CLI '{c.Name}': exit {process.ExitCode}: {Cut(err, 300)}");
        }
        else if (firstLine.Length < 10)
        {
            findings.Violation("no clear error", $"CLI '{c.Name}': exit {process.ExitCode} with stderr '{Cut(err, 200)}'");
        }
        else if (text.Contains("\n   at ", StringComparison.Ordinal) || text.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            findings.Violation("stack trace on stderr", $"CLI '{c.Name}': {Cut(err, 400)}");
        }
        else if (c.ExpectInError is { } expected && !text.Contains(expected, StringComparison.OrdinalIgnoreCase))
        {
            findings.Violation("error does not name the problem", $"CLI '{c.Name}': wanted '{expected}' in: {Cut(text, 300)}");
        }
    }

    private static int Row(Findings findings) => findings.Counts.GetValueOrDefault("http case") + findings.Counts.GetValueOrDefault("cli case");

    /// <summary>The error's text: OpenAI's <c>{"error":{"message"}}</c>, or under <c>api/</c> (Ollama's API) Ollama's <c>{"error":"..."}</c>; null when the body is not that shape.</summary>
    private static string? ErrorMessage(string body, string path)
    {
        try
        {
            var error = JsonNode.Parse(body)?["error"];
            return path.TrimStart('/').StartsWith("api/", StringComparison.Ordinal)
                ? (error?.GetValueKind() == System.Text.Json.JsonValueKind.String ? error.GetValue<string>() : null)
                : error?["message"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Cut(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
}
