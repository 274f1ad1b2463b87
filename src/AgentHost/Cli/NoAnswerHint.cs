using AgentHost.Backends;
using AgentHost.Connectors.Embedded;
using Microsoft.Extensions.Options;

namespace AgentHost.Cli;

/// <summary>The line added when no backend answered and nothing in-process could either: what to do next.</summary>
internal static class NoAnswerHint
{
    public static string? For(IServiceProvider services) =>
        services.GetService<IOptionsMonitor<EmbeddedBackendOptions>>()?.Get(BackendNames.Embedded).Enabled == true
            ? null
            : "To get an answer: start Ollama (ollama serve) or the MLX API Server, or pull a small model to answer in-process: agent-host models pull qwen2.5:0.5b";
}
