namespace AgentHost.Connectors.Victoria;

/// <summary>How the connector asks Victoria to run a goal.</summary>
public enum VictoriaRunMode
{
    /// <summary><c>POST /run?async_mode=false</c>: one request that answers when the run is done (the full, uncut answer).</summary>
    Sync,

    /// <summary>
    /// <c>POST /run?async_mode=true</c>, then poll <c>GET /run/status/{task_id}</c> until the task completes or fails.
    /// Victoria cuts a polled answer (2,000 or 8,000 characters); the cut is flagged in the metadata.
    /// </summary>
    Async,
}
