namespace AgentHost.Cli;

/// <summary>
/// Command-line configuration overrides: tokens no command claims, in the form <c>--Section:Key=value</c>
/// (or <c>--Section:Key value</c>), handed to the configuration as its highest-priority source.
/// </summary>
internal static class ConfigurationOverrides
{
    /// <summary>Splits the unmatched tokens into overrides, or names the first token that is not one.</summary>
    public static bool TryParse(IReadOnlyList<string> unmatched, out List<string> overrides, out string? error)
    {
        overrides = [];
        error = null;
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            var key = token.StartsWith("--", StringComparison.Ordinal) ? token[2..] : null;
            if (key is null || key.Length == 0 || !(key.Contains(':') || key.Contains("__")))
            {
                error = $"Unrecognized argument '{token}'. Configuration overrides look like --AgentHost:Backends:Mlx:Enabled=false.";
                return false;
            }

            if (key.Contains('='))
            {
                overrides.Add(token);
            }
            else if (i + 1 < unmatched.Count)
            {
                overrides.Add($"{token}={unmatched[++i]}");
            }
            else
            {
                error = $"Configuration override '{token}' has no value.";
                return false;
            }
        }

        return true;
    }
}
