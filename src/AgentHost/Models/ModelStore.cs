namespace AgentHost.Models;

/// <summary>
/// The models folder: the GGUF files in it, the default one, and removal. A download in progress is a
/// <c>.part</c> file beside its final name and is never listed. The default is <see cref="ModelsOptions.Default"/>,
/// else the one named in the folder's <c>.default</c> file (the first model pulled), else the only one.
/// </summary>
internal sealed class ModelStore(string directory, string? configuredDefault = null)
{
    private const string DefaultMarker = ".default";

    public string Directory { get; } = directory;

    public IReadOnlyList<FileInfo> List() => System.IO.Directory.Exists(Directory)
        ? [.. new DirectoryInfo(Directory).GetFiles("*.gguf").OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase)]
        : [];

    /// <summary>The default model's full path, or null when the folder holds none.</summary>
    public string? DefaultModel()
    {
        var files = List();
        foreach (var name in new[] { configuredDefault, ReadMarker() })
        {
            if (!string.IsNullOrWhiteSpace(name) && files.FirstOrDefault(f => f.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)) is { } file)
            {
                return file.FullName;
            }
        }

        return files.Count == 1 ? files[0].FullName : null;
    }

    /// <summary>Makes <paramref name="fileName"/> the default unless another model already is.</summary>
    public void MarkDefaultIfNone(string fileName)
    {
        var current = DefaultModel();
        if (current is null || List().Count == 1)
        {
            File.WriteAllText(Path.Combine(Directory, DefaultMarker), fileName);
        }
    }

    /// <summary>Removes the model (and any partial download of it); false when there was nothing of that name.</summary>
    public bool Remove(string fileName)
    {
        var path = Path.Combine(Directory, Path.GetFileName(fileName));
        var found = false;
        foreach (var file in new[] { path, path + ModelDownloader.PartSuffix })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
                found = true;
            }
        }

        if (found && ReadMarker() is { } marker && marker.Equals(Path.GetFileName(fileName), StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(Path.Combine(Directory, DefaultMarker));
        }

        return found;
    }

    private string? ReadMarker()
    {
        var marker = Path.Combine(Directory, DefaultMarker);
        return File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
    }
}
