using System.Text.Json;
using AgentHost.Agents;
using AgentHost.Fallback;

namespace AgentHost.Tests.Agents;

/// <summary>
/// An agent runs through the chain with SK automatic function calling: the model's tool call reaches the plugin once,
/// the answer comes back with its backend, and failover happens per model call (below function invocation).
/// </summary>
public sealed class AgentRunnerTests : IAsyncLifetime
{
    private const string Calculator = """
        name: calculator
        description: Does sums with the math plugin.
        instructions: Use math.evaluate for every calculation.
        plugins: [math]
        execution_settings: { temperature: 0.1, max_tokens: 64 }
        max_steps: 2
        """;

    private AgentHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await AgentHarness.StartAsync();
        _h.WriteAgent("calculator.yaml", Calculator);
        _h.Ollama.ToolCallScript = AgentHarness.CallOnce("evaluate", new Dictionary<string, object?> { ["expression"] = "6 * 7" });
        _h.OllamaB.ToolCallScript = _h.Ollama.ToolCallScript;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task The_plugin_is_called_once_through_the_chain_and_the_answer_names_its_backend()
    {
        _h.Build("Ollama");

        var result = await _h.RunAsync("calculator", "what is 6 times 7?");

        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", result.Text);
        Assert.Equal("Ollama", result.Report!.Backend);
        Assert.Equal(["math.evaluate"], _h.Invocations.Ran);
        var call = Assert.Single(result.FunctionCalls);
        Assert.Equal(("math", "evaluate", "6 * 7", "42", null), (call.Plugin, call.Function, call.Arguments["expression"], call.Result, call.Error));
        Assert.Equal(0, call.Step);
        Assert.Equal("Ollama", call.Backend); // the backend whose answer asked for the call
        Assert.Equal(2, _h.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task What_went_on_the_wire_carries_the_instructions_the_tools_and_the_settings()
    {
        _h.Build("Ollama");

        await _h.RunAsync("calculator", "what is 6 times 7?");

        using var first = JsonDocument.Parse(_h.Ollama.Requests.First(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        var messages = first.RootElement.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("Use math.evaluate for every calculation.", messages[0].GetProperty("content").GetString());
        Assert.Equal("what is 6 times 7?", messages[1].GetProperty("content").GetString());
        var tool = Assert.Single(first.RootElement.GetProperty("tools").EnumerateArray());
        Assert.EndsWith("evaluate", tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Contains("expression", tool.GetProperty("function").GetProperty("parameters").GetRawText());
        Assert.Equal(0.1, first.RootElement.GetProperty("options").GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(64, first.RootElement.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task When_the_first_backend_dies_on_the_second_model_call_the_function_still_runs_once_and_the_next_backend_answers()
    {
        _h.Ollama.Faults.PassRequests = 1; // the tool-call step succeeds; the step after the tool result fails
        _h.Ollama.Faults.StatusCode = 500;
        _h.Ollama.Faults.ErrorMessage = "llama runner process has terminated";
        _h.Build("Ollama", "OllamaB");

        var result = await _h.RunAsync("calculator", "what is 6 times 7?");

        Assert.Equal(["math.evaluate"], _h.Invocations.Ran);
        Assert.Equal("Ollama", Assert.Single(result.FunctionCalls).Backend); // asked for by the first backend, answered by the second
        Assert.Equal("Ollama: what is 6 times 7? (tool result: 42)", result.Text);
        Assert.Equal("OllamaB", result.Report!.Backend);
        Assert.Equal(["Ollama: 500 llama runner process has terminated", "OllamaB: answered"], result.Report.Attempts.Select(a => a.ToString()));
        Assert.Equal(2, _h.Ollama.GenerationRequests);
        Assert.Equal(1, _h.OllamaB.GenerationRequests);
        using var second = JsonDocument.Parse(_h.OllamaB.Requests.Last(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        var roles = second.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], roles); // the history OllamaB got: the call and its one result
    }

    [Fact]
    public async Task Mlx_has_no_tools_so_every_tool_step_skips_it_and_the_chain_moves_on()
    {
        _h.Build("Mlx", "Ollama");

        var result = await _h.RunAsync("calculator", "what is 6 times 7?");

        Assert.Equal("Ollama", result.Report!.Backend);
        var mlx = result.Report.Attempts.First();
        Assert.Equal(("Mlx", FallbackAttemptOutcome.Skipped), (mlx.Backend, mlx.Outcome));
        Assert.Contains("tool", mlx.SkipReason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _h.Mlx.GenerationRequests);
        Assert.Equal(["math.evaluate"], _h.Invocations.Ran);
    }

    [Fact]
    public async Task An_agent_without_plugins_sends_no_tools_and_can_be_answered_by_mlx()
    {
        _h.WriteAgent("plain.yaml", "instructions: Be brief.\n");
        _h.Build("Mlx", "Ollama");

        var result = await _h.RunAsync("plain", "hi");

        Assert.Equal("Mlx", result.Report!.Backend);
        Assert.StartsWith("MLX: ", result.Text);
        Assert.Empty(result.FunctionCalls);
    }

    [Fact]
    public async Task A_function_error_is_handed_to_the_model_in_words_it_can_act_on()
    {
        _h.Ollama.ToolCallScript = AgentHarness.CallOnce("evaluate", new Dictionary<string, object?> { ["expression"] = "1 / 0" });
        _h.Build("Ollama");

        var result = await _h.RunAsync("calculator", "divide one by zero");

        var call = Assert.Single(result.FunctionCalls);
        Assert.Null(call.Result);
        Assert.Contains("Division by zero", call.Error);
        Assert.Contains("(tool result: Error: Division by zero", result.Text);
    }

    [Fact]
    public async Task After_max_steps_the_agent_stops_calling_functions_and_answers_without_tools()
    {
        // A model that never stops asking: every step calls the tool again.
        _h.Ollama.ToolCallScript = (messages, tools) => tools.Count == 0 ? null
            : new Emulators.Ollama.OllamaToolCall(tools[0], new Dictionary<string, object?> { ["expression"] = "1 + 1" });
        _h.Build("Ollama");

        var result = await _h.RunAsync("calculator", "keep adding");

        Assert.True(result.StepLimitReached);
        Assert.Equal(["math.evaluate", "math.evaluate"], _h.Invocations.Ran); // max_steps: 2
        Assert.Equal(3, result.FunctionCalls.Count);
        Assert.Contains("limit of 2 function-calling steps", result.FunctionCalls[2].Error);
        Assert.StartsWith("Ollama: keep adding", result.Text);
        using var last = JsonDocument.Parse(_h.Ollama.Requests.Last(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        Assert.False(last.RootElement.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0, "the final step offers no tools");
        Assert.Equal(4, _h.Ollama.GenerationRequests);
    }

    [Fact]
    public async Task Only_the_agents_own_plugins_are_offered_to_the_model()
    {
        _h.WriteAgent("clock.yaml", "instructions: Tell the time.\nplugins: [datetime]\n");
        _h.Ollama.ToolCallScript = OllamaEmulatorDefaults.Script;
        _h.Build("Ollama");

        var result = await _h.RunAsync("clock", "what time is it?");

        using var first = JsonDocument.Parse(_h.Ollama.Requests.First(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        var names = first.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()!).ToList();
        Assert.Equal(4, names.Count);
        Assert.All(names, n => Assert.StartsWith("datetime", n));
        Assert.Matches(@"\(tool result: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.Text); // the emulator's default: first tool, {}
    }

    [Fact]
    public async Task Instructions_from_a_prompt_template_are_rendered_with_the_goal_and_the_files_arguments()
    {
        _h.WritePrompt("briefing.yaml", """
            name: briefing
            template: |
              <message role="system">You brief {{$reader}} in {{$length}}.</message>
              <message role="user">Brief me on: {{$goal}}</message>
            input_variables:
              - name: reader
                default: a new colleague
              - name: length
                default: three sentences
            """);
        _h.WriteAgent("briefer.yaml", "prompt: briefing\nprompt_arguments: { length: one sentence }\n");
        _h.Build("Ollama");

        var result = await _h.RunAsync("briefer", "the <fallback> chain");

        using var first = JsonDocument.Parse(_h.Ollama.Requests.First(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        var messages = first.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "You brief a new colleague in one sentence."), ("user", "Brief me on: the <fallback> chain")], messages);
        Assert.Equal("Ollama: Brief me on: the <fallback> chain", result.Text);
    }

    [Fact]
    public async Task A_plain_text_prompt_becomes_the_system_message_and_the_goal_the_user_message()
    {
        _h.WritePrompt("persona.yaml", "name: persona\ntemplate: |\n  You are terse. Today's topic: {{$input}}.\n");
        _h.WriteAgent("terse.yaml", "prompt: persona\n");
        _h.Build("Ollama");

        await _h.RunAsync("terse", "tides");

        using var first = JsonDocument.Parse(_h.Ollama.Requests.First(r => r.PathAndQuery.StartsWith("/api/chat", StringComparison.Ordinal)).Body);
        var messages = first.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "You are terse. Today's topic: tides."), ("user", "tides")], messages);
    }

    [Fact]
    public async Task An_unknown_prompt_reference_names_the_file_and_the_prompts_that_exist()
    {
        _h.WritePrompt("persona.yaml", "name: persona\ntemplate: Be terse.\n");
        _h.WriteAgent("templated.yaml", "prompt: summarise\n");
        _h.Build("Ollama");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => _h.RunAsync("templated", "x"));
        Assert.Contains("templated.yaml: prompt: ", e.Message);
        Assert.Contains("summarise", e.Message);
        Assert.Contains("persona", e.Message);
        Assert.Equal(0, _h.Ollama.GenerationRequests);
    }

    private static class OllamaEmulatorDefaults
    {
        public static readonly Func<IReadOnlyList<Emulators.Ollama.OllamaChatMessage>, IReadOnlyList<string>, Emulators.Ollama.OllamaToolCall?> Script =
            Emulators.Ollama.OllamaEmulator.DefaultToolCallScript;
    }
}
