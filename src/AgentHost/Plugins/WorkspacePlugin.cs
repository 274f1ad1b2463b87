using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.SemanticKernel;

namespace AgentHost.Plugins;

/// <summary>
/// The <c>workspace</c> plugin: read-only access to the files under <see cref="WorkspacePluginOptions.Root"/>. Lists a
/// directory, reads a text file up to <see cref="WorkspacePluginOptions.MaxReadBytes"/>; never writes, and never
/// reaches outside the root (see <see cref="WorkspacePaths"/>).
/// </summary>
internal sealed class WorkspacePlugin(WorkspacePaths paths, WorkspacePluginOptions options)
{
    /// <summary>The plugin's name as agents list it.</summary>
    public const string PluginName = "workspace";

    /// <summary>Lists a directory of the workspace.</summary>
    [KernelFunction("list_directory")]
    [Description("Lists the entries of a directory in the workspace: sub-directories end with '/', files show their size in bytes. Paths are relative to the workspace root.")]
    public string ListDirectory([Description("The directory, relative to the workspace root; '.' or empty for the root.")] string? path = ".")
    {
        var real = paths.Resolve(path);
        if (!Directory.Exists(real))
        {
            throw new PluginRefusalException(File.Exists(real)
                ? $"'{path}' is a file, not a directory; read it with read_file."
                : $"There is no directory '{path}' in the workspace.");
        }

        var entries = new DirectoryInfo(real).EnumerateFileSystemInfos()
            .OrderBy(e => e is FileInfo)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{paths.Display(real)}: {entries.Count} entries\n");
        foreach (var entry in entries.Take(options.MaxEntries))
        {
            text.Append(Describe(entry)).Append('\n');
        }

        if (entries.Count > options.MaxEntries)
        {
            text.Append(CultureInfo.InvariantCulture, $"... and {entries.Count - options.MaxEntries} more (showing the first {options.MaxEntries})\n");
        }

        return text.ToString().TrimEnd('\n');
    }

    /// <summary>Reads a text file of the workspace.</summary>
    [KernelFunction("read_file")]
    [Description("Reads a text file in the workspace and returns its content (a long file is cut at the size limit and says so).")]
    public async Task<string> ReadFileAsync(
        [Description("The file, relative to the workspace root, e.g. 'README.md' or 'src/app/Program.cs'.")] string path,
        CancellationToken cancellationToken = default)
    {
        var real = paths.Resolve(path);
        if (Directory.Exists(real))
        {
            throw new PluginRefusalException($"'{path}' is a directory; list it with list_directory.");
        }

        if (!File.Exists(real))
        {
            throw new PluginRefusalException($"There is no file '{path}' in the workspace.");
        }

        var length = new FileInfo(real).Length;
        var buffer = new byte[(int)Math.Min(length, options.MaxReadBytes)];
        await using (var stream = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, useAsync: true))
        {
            await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        }

        if (Array.IndexOf(buffer, (byte)0) >= 0)
        {
            throw new PluginRefusalException($"'{path}' is not a text file ({length} bytes of binary data).");
        }

        var text = new UTF8Encoding(false).GetString(buffer).TrimEnd('\uFFFD');
        return length <= options.MaxReadBytes
            ? text
            : text + string.Create(CultureInfo.InvariantCulture,
                $"\n[... cut: the file is {length} bytes; only the first {options.MaxReadBytes} bytes are shown]");
    }

    private string Describe(FileSystemInfo entry)
    {
        if (entry.LinkTarget is not null)
        {
            var target = WorkspacePaths.ResolveLink(entry.FullName);
            return paths.Contains(target)
                ? $"{entry.Name}{(Directory.Exists(target) ? "/" : string.Empty)} (link to {paths.Display(target)})"
                : $"{entry.Name} (link outside the workspace: not readable)";
        }

        return entry is DirectoryInfo
            ? entry.Name + "/"
            : string.Create(CultureInfo.InvariantCulture, $"{entry.Name} ({((FileInfo)entry).Length} bytes)");
    }
}
