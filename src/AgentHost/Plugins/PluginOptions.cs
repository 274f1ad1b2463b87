using System.ComponentModel.DataAnnotations;

namespace AgentHost.Plugins;

/// <summary>Settings of the <c>workspace</c> plugin, bound from <c>AgentHost:Plugins:Workspace</c>.</summary>
internal sealed class WorkspacePluginOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Plugins:Workspace";

    /// <summary>The folder the plugin may read, relative to the content root (or absolute). Nothing outside it is reachable.</summary>
    [Required]
    public string Root { get; set; } = "../..";

    /// <summary>The most bytes of one file returned; a longer file is cut there and says so.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxReadBytes { get; set; } = 64 * 1024;

    /// <summary>The most entries one directory listing shows.</summary>
    [Range(1, 100_000)]
    public int MaxEntries { get; set; } = 500;
}

/// <summary>Settings of the <c>http</c> plugin, bound from <c>AgentHost:Plugins:Http</c>.</summary>
internal sealed class HttpPluginOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AgentHost:Plugins:Http";

    /// <summary>
    /// The host names a GET may reach (exact, case-insensitive; <c>*.example.com</c> allows subdomains of example.com).
    /// Empty: every request is refused.
    /// </summary>
    public IList<string> AllowedHosts { get; set; } = [];

    /// <summary>The most bytes of a response body returned; a longer body is cut there and says so.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 256 * 1024;

    /// <summary>How long one GET may take, redirects included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many redirects are followed (each target must be allowed too).</summary>
    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;
}
