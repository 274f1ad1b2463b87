using System.Net;
using System.Text.Json;
using AgentHost.Emulators.Ollama;
using AgentHost.Emulators.Servers;
using AgentHost.Tests.Http;

namespace AgentHost.Tests.Cli;

/// <summary>Conversations recorded over HTTP outlive <c>serve</c>: the same SQLite file, or one PostgreSQL database that replicas share.</summary>
public sealed class ServeConversationsTests : IAsyncLifetime
{
    private readonly OllamaEmulator _ollama = new();

    public Task InitializeAsync() => _ollama.StartAsync();

    public async Task DisposeAsync() => await _ollama.DisposeAsync();

    private Dictionary<string, string> Env(string provider, string connectionString) => new()
    {
        ["AgentHost__Backends__Ollama__Endpoint"] = _ollama.BaseAddress.ToString(),
        ["AgentHost__Backends__Mlx__Enabled"] = "false",
        ["AgentHost__Backends__Victoria__Enabled"] = "false",
        ["AgentHost__Storage__Provider"] = provider,
        ["AgentHost__Storage__ConnectionString"] = connectionString,
    };

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task A_conversation_read_back_after_serve_restarts_holds_the_question_and_the_answer_with_backend_and_model(string provider)
    {
        await using var postgres = provider == "Postgres" ? await PostgresServer.StartNewAsync() : null;
        var connectionString = postgres is null ? $"Data Source={TestGateway.TempDatabase()}" : await postgres.CreateDatabaseAsync("restart");
        var env = Env(provider, connectionString);
        string model;
        await using (var serve = await ServeProcess.StartAsync(env))
        {
            using var answer = await ConversationsHttp.PostChatAsync(serve.Client, "kept-1", TestGateway.ChatBody("will you remember this?"));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            model = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("agent_host").GetProperty("model").GetString()!;
            Assert.False(answer.Headers.Contains("x-agent-conversation-error"), string.Join("\n", serve.StdErr));
            Assert.Equal(0, await serve.StopAsync());
        }

        await using var restarted = await ServeProcess.StartAsync(env);
        var conversation = (await ConversationsHttp.GetAsync(restarted.Client, "kept-1"))!.Value;

        Assert.Equal(["user: will you remember this? [complete]", "assistant: Ollama: will you remember this? [complete]"], ConversationsHttp.Lines(conversation));
        var stored = conversation.GetProperty("messages")[1];
        Assert.Equal("Ollama", stored.GetProperty("backend").GetString());
        Assert.Equal(model, stored.GetProperty("model").GetString());
        Assert.Contains("kept-1", await restarted.Client.GetStringAsync("v1/conversations"));
    }

    [Fact]
    public async Task Serve_with_a_database_newer_than_itself_says_so_in_one_line_at_start_and_still_answers()
    {
        var database = TestGateway.TempDatabase();
        var newer = new AgentHost.Conversations.Sqlite.SqliteConversationStore($"Data Source={database}");
        await newer.MigrateAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_version (version) VALUES (7)";
            await command.ExecuteNonQueryAsync();
        }

        await using var serve = await ServeProcess.StartAsync(Env("Sqlite", $"Data Source={database}"));
        await TestGateway.Eventually(() => serve.StdErr.Any(l => l.Contains("is at schema version 7, newer than this agent-host knows (1)", StringComparison.Ordinal)));

        using var answer = await ConversationsHttp.PostChatAsync(serve.Client, "x", TestGateway.ChatBody("hi"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("newer than this agent-host knows", Assert.Single(answer.Headers.GetValues("x-agent-conversation-error")));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Two_replicas_on_one_postgres_database_appending_to_one_conversation_at_once_lose_no_turn()
    {
        await using var postgres = await PostgresServer.StartNewAsync();
        var env = Env("Postgres", await postgres.CreateDatabaseAsync("replicas"));
        await using var a = await ServeProcess.StartAsync(env);
        await using var b = await ServeProcess.StartAsync(env);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await ConversationsHttp.PostChatAsync((i % 2 == 0 ? a : b).Client, "shared", TestGateway.ChatBody($"question {i}"));
            return response.StatusCode;
        }));

        Assert.All(answers, s => Assert.Equal(HttpStatusCode.OK, s));
        var conversation = (await ConversationsHttp.GetAsync(a.Client, "shared"))!.Value;
        var lines = ConversationsHttp.Lines(conversation);
        Assert.Equal(40, lines.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"question {i}").Order(),
            lines.Where(l => l.StartsWith("user: ", StringComparison.Ordinal)).Select(l => l[6..^" [complete]".Length]).Order());
        for (var t = 0; t < 20; t++)
        {
            Assert.Equal(lines[2 * t].Replace("user: ", "assistant: Ollama: ", StringComparison.Ordinal), lines[(2 * t) + 1]);
        }
    }
}
