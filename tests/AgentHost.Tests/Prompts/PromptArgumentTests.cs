using AgentHost.Prompts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentHost.Tests.Prompts;

/// <summary>Arguments and names: defaults, required and unknown arguments, and names that try to be paths.</summary>
public sealed class PromptArgumentTests : IDisposable
{
    private readonly ServiceProvider _services = PromptTestHost.Build(PromptTestHost.RepoPrompts);

    private PromptLibrary Library => _services.GetRequiredService<PromptLibrary>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Defaults_fill_what_is_not_passed_and_passed_values_win()
    {
        var prepared = Library.Prepare("summarize", new Dictionary<string, string?> { ["input"] = "text", ["AUDIENCE"] = "the board" });

        Assert.Equal("text", prepared.Arguments["input"]);
        Assert.Equal("at most 5 bullet points", prepared.Arguments["length"]);
        Assert.Equal("the board", prepared.Arguments["audience"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_required_argument_is_refused_naming_it_and_the_prompt(string? input)
    {
        var args = new Dictionary<string, string?> { ["language"] = "French" };
        if (input is not null)
        {
            args["input"] = input;
        }

        var e = Assert.Throws<PromptException>(() => Library.Prepare("translate", args));

        Assert.Equal(PromptException.MissingArgument, e.Code);
        Assert.Equal("input", e.Param);
        Assert.Equal("Prompt 'translate' needs the argument 'input' (The text to translate).", e.Message);
    }

    [Fact]
    public void Several_missing_required_arguments_are_all_named()
    {
        var e = Assert.Throws<PromptException>(() => Library.Prepare("translate", new Dictionary<string, string?>()));

        Assert.Contains("'input'", e.Message);
        Assert.Contains("'language'", e.Message);
    }

    [Fact]
    public void An_unknown_argument_is_refused_listing_the_prompts_variables()
    {
        var e = Assert.Throws<PromptException>(() =>
            Library.Prepare("summarize", new Dictionary<string, string?> { ["input"] = "x", ["lenght"] = "short" }));

        Assert.Equal(PromptException.UnknownArgument, e.Code);
        Assert.Equal(
            "Prompt 'summarize' has no argument 'lenght'. Its variables: input (required); length = at most 5 bullet points; " +
            "audience = a busy colleague who has not read the text.",
            e.Message);
    }

    [Theory]
    [InlineData("../prompts/summarize")]
    [InlineData("..")]
    [InlineData("summarize/../../etc")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows\\win.ini")]
    [InlineData("sub\\summarize")]
    [InlineData("summarize.yaml/x")]
    [InlineData("a..b")]
    [InlineData("")]
    public void A_name_that_looks_like_a_path_is_refused_before_any_lookup(string name)
    {
        var e = Assert.Throws<PromptException>(() => Library.Prepare(name, new Dictionary<string, string?>()));

        Assert.Equal(PromptException.InvalidName, e.Code);
        Assert.Contains("no paths", e.Message);
    }

    [Fact]
    public void A_file_outside_the_prompts_folder_is_never_reachable_by_name()
    {
        // A prompt folder that exists beside prompts/ (a sibling the name would reach with "..") stays invisible.
        using var outer = new PromptTestHost.TempPrompts()
            .Write("prompts/inside/skprompt.txt", "in {{$input}}")
            .Write("secret/skprompt.txt", "secret {{$input}}");
        using var services = PromptTestHost.Build(Path.Combine(outer.Path, "prompts"));
        var library = services.GetRequiredService<PromptLibrary>();

        Assert.Equal("inside", Assert.Single(library.Prompts).Name);
        Assert.Equal(PromptException.InvalidName, Assert.Throws<PromptException>(() => library.Get("../secret")).Code);
        var e = Assert.Throws<PromptNotFoundException>(() => library.Get("secret"));
        Assert.Equal("Unknown prompt 'secret'. Prompts: inside.", e.Message);
    }

    [Fact]
    public void An_unknown_name_lists_what_exists()
    {
        var e = Assert.Throws<PromptNotFoundException>(() => Library.Get("sumarize"));

        Assert.StartsWith("Unknown prompt 'sumarize'. Prompts: code-review, commit-message, explain-code, ", e.Message);
        Assert.Contains("summarize", e.Available);
    }
}
