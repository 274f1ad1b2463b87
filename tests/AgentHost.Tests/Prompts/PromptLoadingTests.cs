using AgentHost.Prompts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AgentHost.Tests.Prompts;

/// <summary>Loading prompts: the repository's own, every SK sample folder unchanged, both formats, and bad files.</summary>
public sealed class PromptLoadingTests
{
    [Fact]
    public void The_repository_prompts_load_in_both_formats_with_descriptions_and_variables()
    {
        using var services = PromptTestHost.Build(PromptTestHost.RepoPrompts);
        var library = services.GetRequiredService<PromptLibrary>();

        Assert.Empty(library.LoadErrors);
        var names = library.Prompts.Select(p => p.Name).ToList();
        foreach (var expected in new[] { "summarize", "translate", "explain-code", "commit-message", "code-review" })
        {
            Assert.Contains(expected, names);
        }

        Assert.All(library.Prompts, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Description), p.Name);
            Assert.True(p.FindVariable("input")?.IsRequired, $"{p.Name}: input must be required");
        });

        // Directory format (config.json + skprompt.txt): defaults and required flags as written.
        var summarize = library.Get("summarize");
        Assert.EndsWith("summarize", summarize.Source);
        Assert.Equal("at most 5 bullet points", summarize.FindVariable("length")!.Default);
        Assert.False(summarize.FindVariable("length")!.IsRequired);

        // YAML format: unquoted booleans are booleans (is_required: true), defaults are read.
        var translate = library.Get("translate");
        Assert.EndsWith("translate.yaml", translate.Source);
        Assert.True(translate.FindVariable("language")!.IsRequired);
        Assert.Equal("the same tone as the original", translate.FindVariable("tone")!.Default);
        Assert.Equal("commit_message", library.Get("commit-message").FunctionName);
    }

    [Fact]
    public void Every_SK_sample_folder_loads_unchanged_with_nested_plugin_names()
    {
        using var services = PromptTestHost.Build(PromptTestHost.SkSamples);
        var library = services.GetRequiredService<PromptLibrary>();

        Assert.Empty(library.LoadErrors);
        var onDisk = Directory.GetFiles(PromptTestHost.SkSamples, "skprompt.txt", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f)))}.{Path.GetFileName(Path.GetDirectoryName(f))}")
            .Order(StringComparer.OrdinalIgnoreCase).ToList();
        Assert.True(onDisk.Count > 40, $"only {onDisk.Count} sample prompts found in {PromptTestHost.SkSamples}");
        Assert.Equal(onDisk, library.Prompts.Select(p => p.Name));

        // Declared variables keep the config's descriptions; undeclared ones come from the template.
        var joke = library.Get("FunPlugin.Joke");
        Assert.Equal("Joke subject", joke.FindVariable("input")!.Description);
        Assert.False(joke.FindVariable("style")!.IsRequired); // default "" and no explicit is_required: optional
        Assert.True(library.Get("SummarizePlugin.Summarize").FindVariable("input")!.IsRequired); // "is_required": true
        var chat = library.Get("ChatPlugin.Chat");
        Assert.Equal(["user", "bot", "history", "input"], chat.Variables.Select(v => v.Name));

        // A unique function part finds the nested prompt.
        Assert.Equal("FunPlugin.Limerick", library.Get("Limerick").Name);
    }

    [Fact]
    public void The_prompts_are_a_kernel_plugin_the_kernel_can_call()
    {
        using var services = PromptTestHost.Build(PromptTestHost.RepoPrompts);
        var kernel = services.GetRequiredService<Kernel>();

        var plugin = kernel.Plugins[PromptLibrary.PluginName];
        Assert.Contains(plugin, f => f.Name == "summarize");
        Assert.Contains(plugin, f => f.Name == "explain_code");
        var parameters = plugin["translate"].Metadata.Parameters;
        Assert.Contains(parameters, p => p.Name == "language" && p.IsRequired);
    }

    [Fact]
    public void A_malformed_config_or_yaml_is_an_error_naming_the_file_and_the_other_prompts_still_load()
    {
        using var temp = new PromptTestHost.TempPrompts()
            .Write("good/skprompt.txt", "Say {{$input}}")
            .Write("other.yaml", "template: 'Echo {{$input}}'\ndescription: fine\n")
            .Write("broken-json/config.json", "{ \"schema\": 1, \"description\": ")
            .Write("broken-json/skprompt.txt", "x {{$input}}")
            .Write("broken.yaml", "template: |\n  hi\n description: [unclosed\n")
            .Write("no-template.yaml", "description: nothing to render\n")
            .Write("bars.yaml", "template: 'Hi {{name}}'\ntemplate_format: handlebars\n")
            .Write("orphan/config.json", "{ \"schema\": 1 }")
            .Write("bad-template/skprompt.txt", "{{plugin.fn.extra}}")
            .Write("Plugin/Inner/skprompt.txt", "Inner {{$input}}");
        using var services = PromptTestHost.Build(temp.Path);
        var library = services.GetRequiredService<PromptLibrary>();

        Assert.Equal(["good", "other", "Plugin.Inner"], library.Prompts.Select(p => p.Name));
        string ErrorFor(string file) => Assert.Single(library.LoadErrors, e => e.Source == Path.Combine(temp.Path, file)).Message;
        Assert.Contains("not valid JSON", ErrorFor("broken-json/config.json"));
        Assert.Contains("not valid YAML", ErrorFor("broken.yaml"));
        Assert.Contains("no 'template'", ErrorFor("no-template.yaml"));
        Assert.Contains("handlebars", ErrorFor("bars.yaml"));
        Assert.Contains("no skprompt.txt", ErrorFor("orphan/config.json"));
        Assert.Contains("does not parse", ErrorFor("bad-template/skprompt.txt"));
    }

    [Fact]
    public void A_missing_prompts_folder_loads_nothing_and_says_which_folder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-prompts-" + Guid.NewGuid().ToString("N"));
        using var services = PromptTestHost.Build(missing);
        var library = services.GetRequiredService<PromptLibrary>();

        Assert.Empty(library.Prompts);
        Assert.Contains("does not exist", Assert.Single(library.LoadErrors, e => e.Source == missing).Message);
        var e = Assert.Throws<PromptNotFoundException>(() => library.Get("summarize"));
        Assert.Contains("no prompts are loaded", e.Message);
    }

    [Theory]
    [InlineData("Hello {{$input}} and {{recall $input}}, {{time.Date}} {{ 'text' }} {{\"q}}\"}}", "recall,time.Date")]
    [InlineData("Only {{$a}} and {{ $b }}", "")]
    [InlineData("{{textmemoryskill.recall $input}} {{date}} {{recall 'x'}}", "textmemoryskill.recall,date,recall")]
    public void The_template_scanner_finds_the_functions_a_template_calls(string template, string expected)
    {
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), TemplateFunctionScanner.FindFunctionCalls(template));
    }
}
