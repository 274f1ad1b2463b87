using AgentHost.Fallback;

namespace AgentHost.Agents;

/// <summary>What an agent run produced.</summary>
/// <param name="Agent">The agent's name.</param>
/// <param name="Text">The final answer.</param>
/// <param name="Report">Where the final answer came from (its model call's backend, model and attempts).</param>
/// <param name="FunctionCalls">Every function the agent called, in order.</param>
/// <param name="StepLimitReached">Whether the agent hit its function-calling step limit and answered without tools.</param>
internal sealed record AgentRunResult(string Agent, string Text, FallbackReport? Report, IReadOnlyList<AgentFunctionCall> FunctionCalls, bool StepLimitReached);
