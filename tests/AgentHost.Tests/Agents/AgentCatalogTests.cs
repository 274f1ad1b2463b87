using AgentHost.Agents;
using AgentHost.Hosting;

namespace AgentHost.Tests.Agents;

/// <summary>Agent files are read and checked on load; every error names the file and the field.</summary>
public sealed class AgentCatalogTests : IDisposable
{
    private static readonly string[] Plugins = ["datetime", "math", "workspace", "http"];
    private readonly string _dir = Directory.CreateTempSubdirectory("agenthost-agents-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AgentCatalog Catalog(params (string File, string Text)[] files)
    {
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(_dir, file), text);
        }

        return new AgentCatalog(_dir, Plugins);
    }

    private string Error(params (string File, string Text)[] files)
    {
        var e = Assert.Throws<AgentDefinitionException>(() => Catalog(files).Agents);
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_yaml_agent_loads_with_every_field()
    {
        var agent = Assert.Single(Catalog(("helper.yaml", """
            name: helper
            description: Does sums.
            instructions: |
              Use the math plugin.
              Be brief.
            plugins: [math, DateTime]
            execution_settings:
              temperature: 0.3
              max_tokens: 256
              function_choice: required
            max_steps: 3
            """)).Agents);

        Assert.Equal("helper", agent.Name);
        Assert.Equal("Does sums.", agent.Description);
        Assert.Equal("Use the math plugin.\nBe brief.\n", agent.Instructions);
        Assert.Equal(["math", "datetime"], agent.Plugins);
        Assert.Equal(0.3, agent.Temperature);
        Assert.Equal(256, agent.MaxTokens);
        Assert.Equal(AgentFunctionChoice.Required, agent.FunctionChoice);
        Assert.Equal(3, agent.MaxSteps);
        Assert.EndsWith("helper.yaml", agent.SourcePath);
    }

    [Fact]
    public void A_json_agent_with_comments_loads_and_defaults_fill_the_rest()
    {
        var agent = Assert.Single(Catalog(("fetch.json", """
            {
              // comments and trailing commas are fine
              "instructions": "Fetch things.",
              "plugins": ["http"],
            }
            """)).Agents);

        Assert.Equal("fetch", agent.Name); // from the file name
        Assert.Equal(AgentFunctionChoice.Auto, agent.FunctionChoice);
        Assert.Equal(AgentDefinition.DefaultMaxSteps, agent.MaxSteps);
        Assert.Null(agent.Temperature);
        Assert.Null(agent.MaxTokens);
    }

    [Fact]
    public void A_prompt_reference_stands_in_for_instructions()
    {
        var agent = Assert.Single(Catalog(("writer.yaml", "prompt: summarize\nprompt_arguments: { style: terse, words: 50 }\n")).Agents);

        Assert.Null(agent.Instructions);
        Assert.Equal("summarize", agent.Prompt);
        Assert.Equal("terse", agent.PromptArguments["style"]);
        Assert.Equal("50", agent.PromptArguments["words"]);
    }

    [Fact]
    public void An_unknown_plugin_is_named_with_the_file_the_field_and_the_plugins_that_exist() =>
        Assert.Equal(
            $"{Shown("a.yaml")}: plugins[1]: unknown plugin 'shell' (available: datetime, http, math, workspace)",
            Error(("a.yaml", "instructions: x\nplugins: [math, shell]\n")));

    [Fact]
    public void Missing_instructions_are_named() =>
        Assert.Equal(
            $"{Shown("b.yaml")}: instructions: missing: give the agent's instructions inline ('instructions: ...') or name a prompt template ('prompt: <name>')",
            Error(("b.yaml", "description: nothing to do\nplugins: [math]\n")));

    [Fact]
    public void Bad_yaml_is_named_with_its_line()
    {
        var error = Error(("c.yaml", "instructions: fine\nplugins: [math\nmax_steps: 2\n"));
        Assert.StartsWith($"{Shown("c.yaml")}: bad YAML at line ", error);
    }

    [Fact]
    public void Bad_json_is_named_with_its_line()
    {
        var error = Error(("d.json", "{\n  \"instructions\": \"x\",\n  \"plugins\": [\"math\" \"http\"]\n}"));
        Assert.StartsWith($"{Shown("d.json")}: bad JSON at line 3", error);
    }

    [Theory]
    [InlineData("instructions: x\ntemprature: 0.5\n", "temprature: unknown field (expected: name, description, instructions, prompt, prompt_arguments, plugins, execution_settings, max_steps)")]
    [InlineData("instructions: x\nexecution_settings: { temperature: hot }\n", "execution_settings.temperature: must be a number from 0 to 2")]
    [InlineData("instructions: x\nexecution_settings: { temperature: 3 }\n", "execution_settings.temperature: 3 is not a number from 0 to 2")]
    [InlineData("instructions: x\nexecution_settings: { max_tokens: 1.5 }\n", "execution_settings.max_tokens: 1.5 is not a whole number from 1 to 1000000")]
    [InlineData("instructions: x\nexecution_settings: { function_choice: sometimes }\n", "execution_settings.function_choice: 'sometimes' is not one of: auto, required, none")]
    [InlineData("instructions: x\nexecution_settings: { top_k: 3 }\n", "execution_settings.top_k: unknown field (expected: temperature, max_tokens, function_choice)")]
    [InlineData("instructions: x\nmax_steps: 0\n", "max_steps: 0 is not a whole number from 1 to 50")]
    [InlineData("instructions: x\nplugins: { math: yes }\n", "plugins: must be a list of plugin names, e.g. [datetime, math]")]
    [InlineData("instructions: [a, b]\n", "instructions: must be text")]
    [InlineData("instructions: x\nprompt: y\n", "prompt: give either 'instructions' or 'prompt', not both")]
    [InlineData("name: 'bad name!'\ninstructions: x\n", "name: 'bad name!' is not a valid agent name")]
    [InlineData("instructions: x\nexecution_settings: { function_choice: required }\n", "execution_settings.function_choice: 'required' needs at least one plugin")]
    [InlineData("- just\n- a list\n", "the file must hold one mapping of fields")]
    [InlineData("", "the file is empty")]
    public void Each_bad_field_is_named(string yaml, string expected)
    {
        var error = Error(("e.yaml", yaml));
        Assert.StartsWith($"{Shown("e.yaml")}: ", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Every_bad_file_is_reported_and_no_agent_is_half_loaded()
    {
        var catalog = Catalog(("good.yaml", "instructions: x\n"), ("bad1.yaml", "plugins: [nope]\ninstructions: x\n"), ("bad2.json", "{}"));

        var e = Assert.Throws<AgentDefinitionException>(() => catalog.Agents);

        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("bad1.yaml: plugins[0]: unknown plugin 'nope'", e.Message);
        Assert.Contains("bad2.json: instructions: missing", e.Message);
        Assert.Throws<AgentDefinitionException>(() => catalog.Find("good"));
    }

    [Fact]
    public void Two_files_defining_the_same_name_are_refused()
    {
        var error = Error(("one.yaml", "name: twin\ninstructions: x\n"), ("two.json", "{\"name\": \"Twin\", \"instructions\": \"y\"}"));
        Assert.Equal($"{Shown("two.json")}: name: agent 'Twin' is already defined in {Shown("one.yaml")}", error);
    }

    [Fact]
    public void Other_files_are_ignored_and_a_missing_folder_holds_no_agents()
    {
        Assert.Empty(Catalog(("notes.txt", "not an agent"), ("README.md", "# agents")).Agents);
        Assert.Empty(new AgentCatalog(Path.Combine(_dir, "nope"), Plugins).Agents);
    }

    [Fact]
    public void Lookup_is_case_insensitive()
    {
        var catalog = Catalog(("Helper.yaml", "instructions: x\n"));
        Assert.Same(catalog.Agents[0], catalog.Find("helper"));
        Assert.Null(catalog.Find("other"));
    }

    [Fact]
    public void The_shipped_agents_load_against_the_builtin_plugins()
    {
        var shipped = Path.GetFullPath(Path.Combine(ContentRoot.Locate(), AgentsServiceCollectionExtensions.DefaultAgentsPath));

        var catalog = new AgentCatalog(shipped, AgentHost.Plugins.PluginsServiceCollectionExtensions.BuiltInPluginNames);

        Assert.Equal(["assistant", "web-fetcher", "workspace-reader"], catalog.Agents.Select(a => a.Name));
        Assert.All(catalog.Agents, a => Assert.False(string.IsNullOrWhiteSpace(a.Description)));
        Assert.Equal(["datetime", "math"], catalog.Find("assistant")!.Plugins);
        Assert.Equal(["workspace"], catalog.Find("workspace-reader")!.Plugins);
        Assert.Contains("http", catalog.Find("web-fetcher")!.Plugins);
    }

    private string Shown(string file)
    {
        var full = Path.Combine(_dir, file);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) ? full : relative;
    }
}
