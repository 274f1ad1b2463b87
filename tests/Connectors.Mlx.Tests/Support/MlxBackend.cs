using System.Text.Json;
using AgentHost.Backends;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Mlx.Tests.Support;

/// <summary>An MLX emulator on a free port plus the connector registered against it the way users wire it.</summary>
internal sealed class MlxBackend : IAsyncDisposable
{
    private MlxBackend(MlxEmulator emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    /// <summary>
    /// The gap between two streamed lines of a paced server (the emulator's <c>Faults.ChunkDelay</c>): long enough for the
    /// client to read each line before the next arrives, so each line is an update of its own.
    /// </summary>
    public static readonly TimeSpan LinePace = TimeSpan.FromMilliseconds(100);

    public MlxEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public IChatCompletionService Chat => Services.GetRequiredKeyedService<IChatCompletionService>(BackendNames.Mlx);

    public IChatClient ChatClient => Services.GetRequiredKeyedService<IChatClient>(BackendNames.Mlx);

    public IHealthCheck Health => Services.GetRequiredKeyedService<IHealthCheck>(BackendNames.Mlx);

    public IModelCatalog Catalog => Services.GetRequiredKeyedService<IModelCatalog>(BackendNames.Mlx);

    public static async Task<MlxBackend> StartAsync(Action<MlxOptions>? configure = null, Action<MlxEmulator>? emulator = null)
    {
        var mlx = new MlxEmulator();
        emulator?.Invoke(mlx);
        await mlx.StartAsync();
        var services = new ServiceCollection()
            .AddMlxChatCompletion(o =>
            {
                o.Endpoint = mlx.BaseAddress.ToString();
                configure?.Invoke(o);
            })
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return new MlxBackend(mlx, services);
    }

    /// <summary>The JSON body of the last request to <paramref name="path"/>.</summary>
    public JsonElement LastBody(string path = "/api/generate") =>
        JsonDocument.Parse(Emulator.Requests.Last(r => r.PathAndQuery == path).Body).RootElement;

    public Task<HealthCheckResult> CheckHealthAsync() =>
        Health.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration(BackendNames.Mlx, Health, null, null) });

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

internal static class ChatExtensions
{
    public static ChatHistory History(string user, string? system = null)
    {
        var history = new ChatHistory();
        if (system is not null)
        {
            history.AddSystemMessage(system);
        }

        history.AddUserMessage(user);
        return history;
    }

    public static async Task<List<StreamingChatMessageContent>> StreamAllAsync(
        this IChatCompletionService chat, ChatHistory history, PromptExecutionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<StreamingChatMessageContent>();
        await foreach (var update in chat.GetStreamingChatMessageContentsAsync(history, settings, cancellationToken: cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    public static string Text(this IEnumerable<StreamingChatMessageContent> updates) => string.Concat(updates.Select(u => u.Content));
}
