using System.Net;
using System.Text;
using AgentHost.Backends;
using AgentHost.Connectors.Mlx.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentHost.Connectors.Mlx.Tests.Services;

/// <summary>
/// The MLX API Server streams its finished answer at once, one character per line: lines that arrive together become
/// one update, lines that arrive apart stay apart, and nothing is lost or reordered on the way.
/// </summary>
public sealed class MlxStreamCoalescingTests
{
    private const int BurstLength = 20_000;

    [Fact]
    public async Task A_burst_of_twenty_thousand_lines_arrives_in_far_fewer_updates_with_the_text_whole()
    {
        var answer = Answer(BurstLength);
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, GenerateStream(answer), isFile: false);

        var updates = await Client(handler).GetStreamingResponseAsync("burst").ToListAsync();

        Assert.Equal(answer, string.Concat(updates.Select(u => u.Text)));
        Assert.InRange(updates.Count, 1, BurstLength / 100);
    }

    [Fact]
    public async Task Lines_that_arrive_one_by_one_stay_one_update_each()
    {
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, GenerateStream("paced"), isFile: false) { Pieces = ChunkedStream.LineByLine };

        var updates = await Client(handler).GetStreamingResponseAsync("paced").ToListAsync();

        Assert.Equal(["p", "a", "c", "e", "d"], updates.Select(u => u.Text));
    }

    [Fact]
    public async Task Reads_that_cut_through_lines_and_characters_keep_the_text_whole()
    {
        var answer = "Привет 👋 — " + Answer(300);
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, GenerateStream(answer, rawUtf8: true), isFile: false) { Pieces = ChunkedStream.Fixed(7) };

        var updates = await Client(handler).GetStreamingResponseAsync("cut").ToListAsync();

        Assert.Equal(answer, string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task Text_that_arrived_with_a_failing_line_reaches_the_caller_before_the_failure()
    {
        var body = "{\"response\": \"a\", \"done\": false}\n{\"response\": \"b\", \"done\": false}\n{\"error\": \"model runner stopped\"}\n";
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, body, isFile: false);
        var received = new StringBuilder();

        var e = await Assert.ThrowsAsync<BackendResponseException>(async () =>
        {
            await foreach (var update in Client(handler).GetStreamingResponseAsync("x"))
            {
                received.Append(update.Text);
            }
        });

        Assert.Equal(BackendResponseProblem.InBandError, e.Problem);
        Assert.Equal("ab", e.PartialText);
        Assert.Equal(e.PartialText, received.ToString());
    }

    [Fact]
    public async Task OpenAI_events_that_arrive_together_stay_one_update_each()
    {
        var events = string.Concat(new[] { "MLX: ", "three ", "words" }.Select(t => $"data: {{\"choices\": [{{\"delta\": {{\"content\": \"{t}\"}}}}]}}\n\n"))
            + "data: {\"choices\": [{\"delta\": {}, \"finish_reason\": \"stop\"}]}\n\ndata: [DONE]\n\n";
        var handler = new RecordedReplyHandler(HttpStatusCode.OK, events, "text/event-stream", isFile: false);

        var updates = await Client(handler, MlxProtocol.OpenAI).GetStreamingResponseAsync("x").ToListAsync();

        Assert.Equal(["MLX: ", "three ", "words"], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
    }

    private static MlxChatClient Client(RecordedReplyHandler handler, MlxProtocol protocol = MlxProtocol.Generate) =>
        new(new HttpClient(handler), new MlxOptions { Endpoint = "http://mlx.test:11435", Protocol = protocol });

    /// <summary>Text of <paramref name="length"/> characters that is not one repeated letter.</summary>
    private static string Answer(int length) =>
        string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));

    /// <summary>The server's streaming body: one JSON line per character, then the done line.</summary>
    private static string GenerateStream(string answer, bool rawUtf8 = false)
    {
        var body = new StringBuilder();
        foreach (var rune in answer.EnumerateRunes())
        {
            var text = rawUtf8 ? rune.ToString() : System.Text.Json.JsonEncodedText.Encode(rune.ToString()).ToString();
            body.Append("{\"response\": \"").Append(text).Append("\", \"done\": false}\n");
        }

        return body.Append("{\"response\": \"\", \"done\": true}\n").ToString();
    }
}
