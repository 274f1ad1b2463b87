namespace AgentHost.Plugins;

/// <summary>
/// Maps paths given relative to a workspace root onto the file system and refuses any that lead outside it: absolute
/// paths, <c>..</c> climbing above the root, and symbolic links (at any level) whose targets lie outside.
/// </summary>
internal sealed class WorkspacePaths
{
    private const int MaxLinkDepth = 40;
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly string _configuredRoot;

    /// <summary>Creates the mapping for the folder <paramref name="root"/> (absolute).</summary>
    public WorkspacePaths(string root) => _configuredRoot = Path.GetFullPath(root);

    /// <summary>The root with every symbolic link resolved; fails when it does not exist.</summary>
    public string RealRoot
    {
        get
        {
            var real = RealPath(_configuredRoot, 0);
            return Directory.Exists(real)
                ? real
                : throw new PluginRefusalException($"The workspace root '{_configuredRoot}' does not exist (AgentHost:Plugins:Workspace:Root).");
        }
    }

    /// <summary>The real, absolute path of <paramref name="relative"/> inside the workspace, or a refusal naming why not.</summary>
    public string Resolve(string? relative)
    {
        var path = string.IsNullOrWhiteSpace(relative) ? "." : relative.Trim().Replace('\\', '/');
        if (Path.IsPathRooted(path) || path.StartsWith('~') || (path.Length >= 2 && path[1] == ':'))
        {
            throw new PluginRefusalException($"'{relative}' is an absolute path; give a path relative to the workspace root, e.g. 'src/readme.md'.");
        }

        var root = RealRoot;
        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!IsInside(full, root))
        {
            throw new PluginRefusalException($"'{relative}' leads outside the workspace; only paths under the workspace root can be read.");
        }

        var real = RealPath(full, 0);
        if (!IsInside(real, root))
        {
            throw new PluginRefusalException($"'{relative}' is a symbolic link (or goes through one) that points outside the workspace; it cannot be read.");
        }

        return real;
    }

    /// <summary>The path of <paramref name="real"/> relative to the workspace root, with forward slashes ("." for the root).</summary>
    public string Display(string real)
    {
        var relative = Path.GetRelativePath(RealRoot, real).Replace('\\', '/');
        return relative.Length == 0 ? "." : relative;
    }

    /// <summary>Whether <paramref name="real"/> (already resolved) lies inside the workspace.</summary>
    public bool Contains(string real) => IsInside(real, RealRoot);

    /// <summary>The target of a symbolic link, fully resolved; the path itself when it is not a link.</summary>
    public static string ResolveLink(string path) => RealPath(Path.GetFullPath(path), 0);

    private static bool IsInside(string path, string root)
    {
        var trimmedRoot = Path.TrimEndingDirectorySeparator(root);
        var trimmed = Path.TrimEndingDirectorySeparator(path);
        return trimmed.Equals(trimmedRoot, PathComparison)
            || trimmed.StartsWith(trimmedRoot + Path.DirectorySeparatorChar, PathComparison)
            || (trimmedRoot.EndsWith(Path.DirectorySeparatorChar) && trimmed.StartsWith(trimmedRoot, PathComparison)); // root is "/"
    }

    // Walks the path one segment at a time, replacing each symbolic link by its (recursively resolved) target.
    private static string RealPath(string full, int depth)
    {
        if (depth > MaxLinkDepth)
        {
            throw new PluginRefusalException("Too many levels of symbolic links.");
        }

        var root = Path.GetPathRoot(full) ?? string.Empty;
        var current = root;
        foreach (var segment in full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, segment);
            var target = new FileInfo(next).LinkTarget;
            current = target is null
                ? next
                : RealPath(Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target)), depth + 1);
        }

        return current;
    }
}
