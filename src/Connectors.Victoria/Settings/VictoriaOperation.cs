namespace AgentHost.Connectors.Victoria;

/// <summary>What a call asks Victoria for (<see cref="VictoriaPromptExecutionSettings.Operation"/>).</summary>
public enum VictoriaOperation
{
    /// <summary>Run the goal (<c>POST /run</c>, or <c>/stream</c> where configured): Victoria executes its steps and answers.</summary>
    Run,

    /// <summary>
    /// Only a plan (<c>POST /plan</c>, the seed's plan mode): Victoria's planner writes the steps and executes nothing.
    /// Earlier turns are not sent (<c>/plan</c> takes the goal alone); streaming callers get the plan as one chunk.
    /// </summary>
    Plan,
}
