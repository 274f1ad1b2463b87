namespace AgentHost.Plugins;

/// <summary>A plugin declined a request it must not serve (a path outside the workspace, a host not allowed, too large): the message says why.</summary>
internal sealed class PluginRefusalException(string message) : InvalidOperationException(message);
