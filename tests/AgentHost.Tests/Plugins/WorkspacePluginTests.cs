using AgentHost.Plugins;

namespace AgentHost.Tests.Plugins;

/// <summary>
/// The <c>workspace</c> plugin reads under its root and nowhere else: <c>..</c>, absolute paths and symbolic links
/// pointing out are refused; files are cut at the size cap; binary files are refused.
/// </summary>
public sealed class WorkspacePluginTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("agenthost-ws-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public WorkspacePluginTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_temp, "root")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_temp, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "TOP SECRET");
        File.WriteAllText(Path.Combine(_root, "readme.md"), "hello workspace");
        Directory.CreateDirectory(Path.Combine(_root, "docs"));
        File.WriteAllText(Path.Combine(_root, "docs", "guide.txt"), "the guide");
        File.WriteAllText(Path.Combine(_root, "big.txt"), new string('a', 150) + new string('b', 150));
        File.WriteAllBytes(Path.Combine(_root, "image.bin"), [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]);
        File.CreateSymbolicLink(Path.Combine(_root, "guide-link.txt"), Path.Combine("docs", "guide.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "secret-link.txt"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "relative-out.txt"), Path.Combine("..", "outside", "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "docs", "escape"), _outside);
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private WorkspacePlugin Plugin(string? root = null, int maxReadBytes = 64 * 1024, int maxEntries = 500) =>
        new(new WorkspacePaths(root ?? _root), new WorkspacePluginOptions { Root = root ?? _root, MaxReadBytes = maxReadBytes, MaxEntries = maxEntries });

    [Fact]
    public async Task Reads_a_text_file_by_its_relative_path()
    {
        Assert.Equal("hello workspace", await Plugin().ReadFileAsync("readme.md"));
        Assert.Equal("the guide", await Plugin().ReadFileAsync("docs/guide.txt"));
        Assert.Equal("the guide", await Plugin().ReadFileAsync("docs/../docs/./guide.txt"));
        Assert.Equal("the guide", await Plugin().ReadFileAsync("docs\\guide.txt"));
    }

    [Fact]
    public async Task A_symbolic_link_inside_the_workspace_is_followed() =>
        Assert.Equal("the guide", await Plugin().ReadFileAsync("guide-link.txt"));

    [Fact]
    public void Lists_a_directory_with_sizes_and_marks_links()
    {
        var listing = Plugin().ListDirectory(".");

        Assert.StartsWith(".: 7 entries", listing);
        Assert.Contains("docs/", listing);
        Assert.Contains("readme.md (15 bytes)", listing);
        Assert.Contains("guide-link.txt (link to docs/guide.txt)", listing);
        Assert.Contains("secret-link.txt (link outside the workspace: not readable)", listing);
        Assert.DoesNotContain("secret.txt (", listing);
        Assert.True(listing.IndexOf("docs/", StringComparison.Ordinal) < listing.IndexOf("readme.md", StringComparison.Ordinal), "directories first");
        Assert.Contains("escape (link outside the workspace: not readable)", Plugin().ListDirectory("docs"));
    }

    [Fact]
    public void A_long_listing_is_cut_at_the_entry_cap()
    {
        var listing = Plugin(maxEntries: 3).ListDirectory("");
        Assert.Equal(5, listing.Split('\n').Length);
        Assert.EndsWith("... and 4 more (showing the first 3)", listing);
    }

    [Theory]
    [InlineData("../outside/secret.txt", "leads outside the workspace")]
    [InlineData("docs/../../outside/secret.txt", "leads outside the workspace")]
    [InlineData("..", "leads outside the workspace")]
    [InlineData("secret-link.txt", "symbolic link (or goes through one) that points outside")]
    [InlineData("relative-out.txt", "symbolic link (or goes through one) that points outside")]
    [InlineData("docs/escape/secret.txt", "symbolic link (or goes through one) that points outside")]
    public async Task Paths_that_escape_the_root_are_refused(string path, string reason)
    {
        var e = await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync(path));
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain("TOP SECRET", e.Message);
    }

    [Fact]
    public async Task Absolute_paths_are_refused_even_when_they_point_inside()
    {
        var outside = await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync(Path.Combine(_outside, "secret.txt")));
        Assert.Contains("is an absolute path", outside.Message);
        var inside = await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync(Path.Combine(_root, "readme.md")));
        Assert.Contains("is an absolute path", inside.Message);
        Assert.Contains("is an absolute path", Assert.Throws<PluginRefusalException>(() => Plugin().ListDirectory("/etc")).Message);
        Assert.Contains("is an absolute path", Assert.Throws<PluginRefusalException>(() => Plugin().ListDirectory("~/")).Message);
    }

    [Fact]
    public void Listing_through_a_link_that_points_out_is_refused() =>
        Assert.Contains("points outside", Assert.Throws<PluginRefusalException>(() => Plugin().ListDirectory("docs/escape")).Message);

    [Fact]
    public async Task A_file_over_the_size_cap_is_cut_and_says_so()
    {
        var text = await Plugin(maxReadBytes: 100).ReadFileAsync("big.txt");

        Assert.StartsWith(new string('a', 100), text);
        Assert.DoesNotContain("b", text.Split('\n')[0]);
        Assert.EndsWith("[... cut: the file is 300 bytes; only the first 100 bytes are shown]", text);
    }

    [Fact]
    public async Task Binary_files_missing_files_and_directories_are_refused_with_the_reason()
    {
        Assert.Contains("is not a text file", (await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync("image.bin"))).Message);
        Assert.Contains("There is no file 'nope.txt'", (await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync("nope.txt"))).Message);
        Assert.Contains("is a directory", (await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin().ReadFileAsync("docs"))).Message);
        Assert.Contains("is a file, not a directory", Assert.Throws<PluginRefusalException>(() => Plugin().ListDirectory("readme.md")).Message);
    }

    [Fact]
    public async Task A_root_reached_through_a_symbolic_link_works_and_still_confines()
    {
        var linkedRoot = Path.Combine(_temp, "root-link");
        Directory.CreateSymbolicLink(linkedRoot, _root);

        Assert.Equal("hello workspace", await Plugin(linkedRoot).ReadFileAsync("readme.md"));
        Assert.Contains("leads outside", (await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin(linkedRoot).ReadFileAsync("../outside/secret.txt"))).Message);
        Assert.Contains("points outside", (await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin(linkedRoot).ReadFileAsync("secret-link.txt"))).Message);
    }

    [Fact]
    public async Task A_missing_root_is_named()
    {
        var e = await Assert.ThrowsAsync<PluginRefusalException>(() => Plugin(Path.Combine(_temp, "nowhere")).ReadFileAsync("readme.md"));
        Assert.Contains("The workspace root", e.Message);
        Assert.Contains("does not exist", e.Message);
    }
}
