using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;

namespace AgentHost.Emulators.Victoria;

/// <summary>Emulates the Victoria backend (placeholder until its routes are written).</summary>
public sealed class VictoriaEmulator : BackendEmulator
{
    /// <inheritdoc />
    public override string Name => "Victoria";

    /// <inheritdoc />
    public override int DefaultPort => 8010;

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
    }
}
