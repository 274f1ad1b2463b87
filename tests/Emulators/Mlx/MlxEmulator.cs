using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;

namespace AgentHost.Emulators.Mlx;

/// <summary>Emulates the Mlx backend (placeholder until its routes are written).</summary>
public sealed class MlxEmulator : BackendEmulator
{
    /// <inheritdoc />
    public override string Name => "Mlx";

    /// <inheritdoc />
    public override int DefaultPort => 11435;

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
    }
}
