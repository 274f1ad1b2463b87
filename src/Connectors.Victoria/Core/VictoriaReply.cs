namespace AgentHost.Connectors.Victoria.Core;

/// <summary>A usable answer from Victoria: its text and what the reply said about it.</summary>
internal sealed record VictoriaReply(string Text, IReadOnlyDictionary<string, object?> Metadata);
