using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Conversations.Tests.Storage;

/// <summary>
/// What every <see cref="IConversationStore"/> promises, run against each provider on a real database (a SQLite file in
/// a temporary folder; a PostgreSQL server started for the test class). Each test gets a fresh, empty database.
/// </summary>
public abstract class ConversationStoreContract
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero));

    /// <summary>A store over a fresh, empty database.</summary>
    protected abstract Task<IConversationStore> NewStoreAsync();

    /// <summary>A second store over the same database as <paramref name="store"/> (another process, or a restart).</summary>
    protected abstract IConversationStore SameDatabase(IConversationStore store);

    /// <summary>Sets the schema version recorded in <paramref name="store"/>'s database to <paramref name="version"/>.</summary>
    protected abstract Task SetSchemaVersionAsync(IConversationStore store, int version);

    [Fact]
    public async Task A_turn_appended_reads_back_in_order_with_backend_model_and_status()
    {
        var store = await NewStoreAsync();

        Assert.Equal(1, await store.AppendTurnAsync("work", new ConversationTurn("what is 2+2?", "4", "Mlx", "qwen2.5-coder:32b", TurnStatus.Complete)));
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, await store.AppendTurnAsync("work", new ConversationTurn("and 3+3?", "6", "Ollama", "llama3.2", TurnStatus.Complete)));

        var conversation = await store.GetAsync("work");
        Assert.NotNull(conversation);
        Assert.Equal("what is 2+2?", conversation.Title);
        Assert.Equal(2, conversation.Turns);
        Assert.Equal(
            ["user: what is 2+2? (-, -, complete)", "assistant: 4 (Mlx, qwen2.5-coder:32b, complete)",
             "user: and 3+3? (-, -, complete)", "assistant: 6 (Ollama, llama3.2, complete)"],
            conversation.Messages.Select(m => $"{m.Role}: {m.Text} ({m.Backend ?? "-"}, {m.Model ?? "-"}, {m.Status.ToName()})"));
        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromSeconds(5), conversation.CreatedAt);
        Assert.Equal(Time.GetUtcNow(), conversation.UpdatedAt);
        Assert.Equal(Time.GetUtcNow(), conversation.Messages[^1].CreatedAt);
    }

    [Fact]
    public async Task Interrupted_and_failed_turns_keep_their_text_status_and_error()
    {
        var store = await NewStoreAsync();

        await store.AppendTurnAsync("c1", new ConversationTurn("count", "one two", "Ollama", "llama3.2", TurnStatus.Interrupted, "Ollama broke off"));
        await store.AppendTurnAsync("c1", new ConversationTurn("anyone?", "", null, null, TurnStatus.Failed, "No backend answered: Mlx: 503"));

        var messages = (await store.GetAsync("c1"))!.Messages;
        Assert.Equal([TurnStatus.Interrupted, TurnStatus.Interrupted, TurnStatus.Failed, TurnStatus.Failed], messages.Select(m => m.Status));
        Assert.Equal("one two", messages[1].Text);
        Assert.Equal("Ollama broke off", messages[1].Error);
        Assert.Equal("", messages[3].Text);
        Assert.Null(messages[3].Backend);
        Assert.Equal("No backend answered: Mlx: 503", messages[3].Error);
    }

    [Fact]
    public async Task The_list_is_newest_first_with_titles_times_and_turn_counts()
    {
        var store = await NewStoreAsync();
        await store.AppendTurnAsync("old", new ConversationTurn("first conversation", "a", "Mlx", "m", TurnStatus.Complete));
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AppendTurnAsync("new", new ConversationTurn(
            "a long first message that goes on and on well past the sixty characters a title may have", "b", "Mlx", "m", TurnStatus.Complete));
        Time.Advance(TimeSpan.FromMinutes(1));
        await store.AppendTurnAsync("old", new ConversationTurn("a second turn", "c", "Mlx", "m", TurnStatus.Complete));

        var list = await store.ListAsync();

        Assert.Equal(["old", "new"], list.Select(c => c.Id));
        Assert.Equal(2, list[0].Turns);
        Assert.Equal("first conversation", list[0].Title);
        Assert.Equal(Time.GetUtcNow(), list[0].UpdatedAt);
        Assert.Equal("a long first message that goes on and on well past the…", list[1].Title);
        Assert.True(list[1].Title.Length <= ConversationTitle.MaxLength);
    }

    [Fact]
    public async Task Delete_removes_a_conversation_and_says_whether_there_was_one()
    {
        var store = await NewStoreAsync();
        await store.AppendTurnAsync("gone", new ConversationTurn("hi", "hello", "Mlx", "m", TurnStatus.Complete));
        await store.AppendTurnAsync("kept", new ConversationTurn("hi", "hello", "Mlx", "m", TurnStatus.Complete));

        Assert.True(await store.DeleteAsync("gone"));
        Assert.False(await store.DeleteAsync("gone"));
        Assert.Null(await store.GetAsync("gone"));
        Assert.Equal(["kept"], (await store.ListAsync()).Select(c => c.Id));

        // An id used again after a delete starts a new conversation from turn 1.
        Assert.Equal(1, await store.AppendTurnAsync("gone", new ConversationTurn("again", "yes", "Mlx", "m", TurnStatus.Complete)));
        Assert.Equal("again", (await store.GetAsync("gone"))!.Title);
    }

    [Fact]
    public async Task An_unknown_conversation_is_null_and_an_invalid_id_is_refused()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetAsync("nobody"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("no spaces"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendTurnAsync(new string('a', 129), new ConversationTurn("x", "y", null, null, TurnStatus.Complete)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(""));
    }

    [Fact]
    public async Task Twenty_concurrent_appends_to_one_conversation_from_two_stores_are_all_there_in_distinct_turns()
    {
        var first = await NewStoreAsync();
        var second = SameDatabase(first); // as another process would: its own connections
        const int count = 20;

        var numbers = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).AppendTurnAsync("busy", new ConversationTurn($"question {i}", $"answer {i}", "Mlx", "m", TurnStatus.Complete)))));

        Assert.Equal(Enumerable.Range(1, count), numbers.Order());
        var conversation = (await first.GetAsync("busy"))!;
        Assert.Equal(count, conversation.Turns);
        Assert.Equal(count, (await first.ListAsync()).Single().Turns);
        // Every turn is whole and in place: each question is followed by its own answer, and each appears once.
        for (var t = 0; t < count; t++)
        {
            var question = conversation.Messages[2 * t];
            var answer = conversation.Messages[(2 * t) + 1];
            Assert.Equal(ConversationRoles.User, question.Role);
            Assert.Equal(ConversationRoles.Assistant, answer.Role);
            Assert.Equal(question.Text.Replace("question", "answer", StringComparison.Ordinal), answer.Text);
        }

        Assert.Equal(count, conversation.Messages.Where(m => m.Role == ConversationRoles.User).Select(m => m.Text).Distinct().Count());
    }

    [Fact]
    public async Task A_restarted_store_reads_what_was_written_without_migrating_again()
    {
        var store = await NewStoreAsync();
        await store.AppendTurnAsync("kept", new ConversationTurn("remember me", "I will", "Victoria", "victoria", TurnStatus.Complete));

        var reopened = SameDatabase(store);

        Assert.Equal("I will", (await reopened.GetAsync("kept"))!.Messages[1].Text);
        await reopened.AppendTurnAsync("kept", new ConversationTurn("still?", "yes", "Victoria", "victoria", TurnStatus.Complete));
        Assert.Equal(2, (await store.GetAsync("kept"))!.Turns);
    }

    [Fact]
    public async Task A_database_newer_than_the_code_is_refused_with_one_clear_line()
    {
        var store = await NewStoreAsync();
        await store.ListAsync(); // migrated
        await SetSchemaVersionAsync(store, 99);

        var e = await Assert.ThrowsAsync<ConversationStoreException>(() => SameDatabase(store).ListAsync());

        Assert.Contains("schema version 99, newer than this agent-host knows (1)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
