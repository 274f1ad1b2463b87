using System.Text.Json;
using AgentHost.Connectors.Mlx.Tests.Support;
using AgentHost.Emulators.Mlx;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;
using static AgentHost.Connectors.Mlx.Tests.Support.ChatExtensions;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>The happy paths of every protocol against the emulator, asserting answers and what went on the wire.</summary>
public sealed class MlxChatClientTests
{
    [Fact]
    public async Task Generate_returns_the_answer_and_sends_the_wire_fields_the_server_reads()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("hello"));

        Assert.Equal("MLX: hello", answer.Content);
        Assert.Equal(AuthorRole.Assistant, answer.Role);
        Assert.Equal("default", answer.ModelId);
        var body = mlx.LastBody();
        Assert.Equal("hello", body.GetProperty("prompt").GetString());
        Assert.False(body.GetProperty("stream").GetBoolean());
        Assert.Equal(512, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(512, body.GetProperty("options").GetProperty("num_predict").GetInt32());
        Assert.False(body.TryGetProperty("model", out _), "no model configured: the server's default is used");
        Assert.False(body.TryGetProperty("temperature", out _), "unset values are omitted, never sent as null (FastAPI would answer 422)");
    }

    [Fact]
    public async Task Generate_streaming_yields_each_line_as_a_separate_update()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.ChunkDelay = MlxBackend.LinePace);

        var updates = await mlx.Chat.StreamAllAsync(History("hi"));

        Assert.Equal(["M", "L", "X", ":", " ", "h", "i"], updates.Select(u => u.Content));
        Assert.All(updates, u => Assert.Equal(AuthorRole.Assistant, u.Role));
        Assert.True(mlx.LastBody().GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Generate_streaming_decodes_python_escapes_of_non_ascii_text()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.Answer = _ => "Привет 👋 \"ok\"\n");

        var updates = await mlx.Chat.StreamAllAsync(History("hi"));

        Assert.Equal("Привет 👋 \"ok\"\n", updates.Text());
    }

    [Fact]
    public async Task Generate_renders_system_and_a_single_turn_as_the_servers_own_clients_do()
    {
        await using var mlx = await MlxBackend.StartAsync();

        await mlx.Chat.GetChatMessageContentAsync(History("What is 2+2?", system: "You are terse."));

        Assert.Equal("You are terse.\n\nWhat is 2+2?", mlx.LastBody().GetProperty("prompt").GetString());
        Assert.False(mlx.LastBody().TryGetProperty("system", out _), "the system text is in the prompt, not sent twice");
    }

    [Fact]
    public async Task Generate_renders_a_multi_turn_history_as_a_transcript_ending_with_the_assistant_cue()
    {
        await using var mlx = await MlxBackend.StartAsync();
        var history = new ChatHistory("You are terse.");
        history.AddUserMessage("Hi");
        history.AddAssistantMessage("Hello.");
        history.AddUserMessage("What is 2+2?");

        var answer = await mlx.Chat.GetChatMessageContentAsync(history);

        Assert.Equal(
            "You are terse.\n\nUser: Hi\n\nAssistant: Hello.\n\nUser: What is 2+2?\n\nAssistant:",
            mlx.LastBody().GetProperty("prompt").GetString());
        Assert.Equal("MLX: What is 2+2?", answer.Content);
    }

    [Fact]
    public async Task Model_comes_from_settings_then_options_and_category_and_priority_are_sent()
    {
        await using var mlx = await MlxBackend.StartAsync(o =>
        {
            o.Model = "phi3.5:3.8b";
            o.Category = "Coding";
            o.Priority = MlxRequestPriority.High;
        });

        var fromOptions = await mlx.Chat.GetChatMessageContentAsync(History("a"));
        var optionsBody = mlx.LastBody();
        var fromSettings = await mlx.Chat.GetChatMessageContentAsync(History("b"), new PromptExecutionSettings { ModelId = "tinyllama:1.1b-chat" });
        var settingsBody = mlx.LastBody();

        Assert.Equal("phi3.5:3.8b", optionsBody.GetProperty("model").GetString());
        Assert.Equal("coding", optionsBody.GetProperty("category").GetString());
        Assert.Equal("phi3.5:3.8b", fromOptions.ModelId);
        Assert.Equal("tinyllama:1.1b-chat", settingsBody.GetProperty("model").GetString());
        Assert.Equal("tinyllama:1.1b-chat", fromSettings.ModelId);
        Assert.Equal("high", mlx.Emulator.Requests.Last().Headers["X-Request-Priority"]);
    }

    [Fact]
    public async Task Unknown_model_silently_falls_back_to_the_servers_default_and_reports_it()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Model = "qwen2.5-coder:32b");

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("x"));

        Assert.Equal("default", answer.ModelId);
        Assert.Equal("qwen2.5-coder:32b", mlx.LastBody().GetProperty("model").GetString());
    }

    [Fact]
    public async Task Category_from_settings_overrides_options_and_no_priority_header_by_default()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Category = "fast");

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("x"), new MlxPromptExecutionSettings { Category = "tiny" });

        Assert.Equal("tiny", mlx.LastBody().GetProperty("category").GetString());
        Assert.Equal("tiny", answer.ModelId);
        Assert.False(mlx.Emulator.Requests.Last().Headers.ContainsKey("X-Request-Priority"));
    }

    [Fact]
    public async Task Prompt_config_settings_map_to_max_tokens_num_predict_and_options()
    {
        await using var mlx = await MlxBackend.StartAsync();
        var config = PromptTemplateConfig.FromJson("""
            {
              "schema": 1, "description": "demo",
              "execution_settings": {
                "default": { "max_tokens": 100, "temperature": 0.2, "top_p": 0.9, "stop_sequences": ["\n\n"], "category": "reasoning" }
              }
            }
            """);

        await mlx.Chat.GetChatMessageContentAsync(History("x"), config.ExecutionSettings["default"]);

        var body = mlx.LastBody();
        Assert.Equal(100, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal("reasoning", body.GetProperty("category").GetString());
        var options = body.GetProperty("options");
        Assert.Equal(100, options.GetProperty("num_predict").GetInt32());
        Assert.Equal(0.9, options.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(["\n\n"], options.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Chat_client_options_map_to_the_wire()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var response = await mlx.ChatClient.GetResponseAsync(
            [new(ChatRole.System, "sys"), new(ChatRole.User, "u")],
            new ChatOptions { MaxOutputTokens = 77, Temperature = 0.1f, StopSequences = ["END"], AdditionalProperties = new() { ["category"] = "code" } });

        Assert.Equal("MLX: u", response.Text);
        var body = mlx.LastBody();
        Assert.Equal("sys\n\nu", body.GetProperty("prompt").GetString());
        Assert.Equal(77, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(77, body.GetProperty("options").GetProperty("num_predict").GetInt32());
        Assert.Equal("END", body.GetProperty("options").GetProperty("stop")[0].GetString());
        Assert.Equal("code", body.GetProperty("category").GetString());
    }

    [Fact]
    public async Task Chat_client_streams_the_same_characters()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.Faults.ChunkDelay = MlxBackend.LinePace);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in mlx.ChatClient.GetStreamingResponseAsync([new(ChatRole.User, "ok")]))
        {
            updates.Add(update);
        }

        Assert.Equal("MLX: ok", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(7, updates.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Answer_in_a_text_field_is_accepted(bool stream)
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.AnswerInTextField = true);

        var text = stream
            ? (await mlx.Chat.StreamAllAsync(History("t"))).Text()
            : (await mlx.Chat.GetChatMessageContentAsync(History("t"))).Content;

        Assert.Equal("MLX: t", text);
    }

    [Fact]
    public async Task Usage_and_done_reason_from_builds_that_send_them_go_into_metadata()
    {
        await using var mlx = await MlxBackend.StartAsync(emulator: e => e.SendUsage = true);

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("one two"));
        var updates = await mlx.Chat.StreamAllAsync(History("one two"));

        Assert.Equal(12, answer.Metadata![MlxMetadataKeys.PromptTokens]);
        Assert.Equal(3, answer.Metadata[MlxMetadataKeys.CompletionTokens]);
        Assert.Equal("stop", answer.Metadata[MlxMetadataKeys.DoneReason]);
        Assert.Equal("Generate", answer.Metadata[MlxMetadataKeys.Protocol]);
        var last = updates.Last();
        Assert.Null(last.Content);
        Assert.Equal(3, last.Metadata![MlxMetadataKeys.CompletionTokens]);
        Assert.Equal("stop", last.Metadata[MlxMetadataKeys.DoneReason]);
    }

    [Fact]
    public async Task Without_usage_from_the_server_no_usage_keys_are_invented()
    {
        await using var mlx = await MlxBackend.StartAsync();

        var answer = await mlx.Chat.GetChatMessageContentAsync(History("x"));
        var updates = await mlx.Chat.StreamAllAsync(History("x"));

        Assert.False(answer.Metadata!.ContainsKey(MlxMetadataKeys.PromptTokens));
        Assert.False(answer.Metadata.ContainsKey(MlxMetadataKeys.DoneReason));
        Assert.All(updates, u => Assert.False(string.IsNullOrEmpty(u.Content)));
    }

    [Fact]
    public async Task Service_attributes_name_the_endpoint_and_model()
    {
        await using var mlx = await MlxBackend.StartAsync(o => o.Model = "fast");

        Assert.Equal("fast", mlx.Chat.GetModelId());
        Assert.Equal(mlx.Emulator.BaseAddress.ToString(), mlx.Chat.GetEndpoint());
        Assert.Equal("fast", mlx.ChatClient.GetService<ChatClientMetadata>()!.DefaultModelId);
    }
}
