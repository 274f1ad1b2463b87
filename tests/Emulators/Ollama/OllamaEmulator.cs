using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;

namespace AgentHost.Emulators.Ollama;

/// <summary>Emulates the Ollama backend (placeholder until its routes are written).</summary>
public sealed class OllamaEmulator : BackendEmulator
{
    /// <inheritdoc />
    public override string Name => "Ollama";

    /// <inheritdoc />
    public override int DefaultPort => 11434;

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
    }
}
