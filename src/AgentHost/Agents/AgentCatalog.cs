namespace AgentHost.Agents;

/// <summary>
/// The agents defined in the files of one folder (<c>AgentHost:AgentsPath</c>), read and checked on first use. A
/// missing folder holds no agents; an invalid file makes every lookup fail with an <see cref="AgentDefinitionException"/>
/// naming the file and field, so a broken definition is never half-loaded.
/// </summary>
internal sealed class AgentCatalog
{
    private readonly Lazy<IReadOnlyList<AgentDefinition>> _agents;

    /// <summary>Creates the catalog of the folder <paramref name="directory"/>; plugin names are checked against <paramref name="knownPlugins"/>.</summary>
    public AgentCatalog(string directory, IEnumerable<string> knownPlugins)
    {
        Directory = Path.GetFullPath(directory);
        var plugins = knownPlugins.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        _agents = new Lazy<IReadOnlyList<AgentDefinition>>(() => Load(Directory, plugins));
    }

    /// <summary>The folder the agent files are read from.</summary>
    public string Directory { get; }

    /// <summary>Every agent, ordered by name.</summary>
    public IReadOnlyList<AgentDefinition> Agents => _agents.Value;

    /// <summary>The agent named <paramref name="name"/> (case-insensitive), or <see langword="null"/>.</summary>
    public AgentDefinition? Find(string name) =>
        Agents.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    private static List<AgentDefinition> Load(string directory, IReadOnlyCollection<string> knownPlugins)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }

        var errors = new List<string>();
        var agents = new List<AgentDefinition>();
        var files = System.IO.Directory.EnumerateFiles(directory)
            .Where(f => AgentFileParser.Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var display = Display(file);
            if (AgentDefinitionReader.Read(file, display, knownPlugins, errors) is not { } agent)
            {
                continue;
            }

            if (agents.FirstOrDefault(a => string.Equals(a.Name, agent.Name, StringComparison.OrdinalIgnoreCase)) is { } twin)
            {
                errors.Add($"{display}: name: agent '{agent.Name}' is already defined in {Display(twin.SourcePath)}");
                continue;
            }

            agents.Add(agent);
        }

        return errors.Count > 0 ? throw new AgentDefinitionException(errors) : [.. agents.OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase)];
    }

    // The path a person can find: relative to the working directory when it is below it, else absolute.
    private static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
