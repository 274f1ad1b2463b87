using System.Net;
using System.Text;
using System.Text.Json;
using AgentHost.Emulators.Victoria;

namespace AgentHost.Connectors.Victoria.Tests.Emulator;

/// <summary>The emulator's wire shapes, driven with a plain HttpClient, against what the real server writes.</summary>
public sealed class VictoriaEmulatorWireTests : IAsyncLifetime
{
    private readonly VictoriaEmulator _emulator = new();
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await _emulator.StartAsync();
        _http = new HttpClient { BaseAddress = _emulator.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Health_matches_the_recorded_reply()
    {
        var body = await _http.GetStringAsync("health");

        Assert.Equal(RecordedVictoria.Read("health_ok.json").Trim(), body);
    }

    [Fact]
    public async Task Missing_goal_is_fastapis_422()
    {
        using var response = await PostAsync("run?async_mode=false", """{"prompt":"hi"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(RecordedVictoria.Read("run_validation_422_fastapi092.json").Trim(), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wrong_types_are_422_naming_the_field()
    {
        using var response = await PostAsync("run", """{"goal":7,"max_steps":"lots","chat_history":[{"user":1},{"user":[]}]}""");

        var locations = (await JsonAsync(response)).GetProperty("detail").EnumerateArray().Select(d => d.GetProperty("loc").ToString()).ToArray();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(["""["body","max_steps"]""", """["body","chat_history",1,"user"]"""], locations); // pydantic 1 coerces 7 and 1 to strings
    }

    [Fact]
    public async Task Async_run_is_202_without_status_then_progresses_one_stage_per_poll()
    {
        using var accepted = await PostAsync("run?async_mode=true", """{"goal":"g"}""");
        var body = await JsonAsync(accepted);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(["task_id", "correlation_id", "status_url", "message"], body.EnumerateObject().Select(p => p.Name));
        var statusUrl = body.GetProperty("status_url").GetString()!;
        var statuses = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var poll = JsonDocument.Parse(await _http.GetStringAsync(statusUrl.TrimStart('/'))).RootElement;
            Assert.Equal(["task_id", "status", "stage", "output", "knowledge", "error", "correlation_id", "updated_at"], poll.EnumerateObject().Select(p => p.Name));
            statuses.Add(poll.GetProperty("status").GetString()!);
        }

        Assert.Equal(["queued", "running", "completed"], statuses);
    }

    [Fact]
    public async Task Unknown_task_is_404_task_id_not_found()
    {
        using var response = await _http.GetAsync("run/status/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"detail":"task_id not found"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stream_route_is_sse_ending_with_end()
    {
        _emulator.StreamRouteEnabled = true;
        using var response = await PostAsync("stream", """{"goal":"a b"}""");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var types = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("type").GetString());
        Assert.Equal(["start", "progress", "step", "chunk", "end"], types); // "Victoria: a b" is one chunk of up to 5 words
        Assert.Contains("\\u0412\\u0438\\u043A\\u0442\\u043E\\u0440\\u0438\\u044F", text, StringComparison.OrdinalIgnoreCase); // "Виктория", ASCII-escaped like json.dumps
    }

    [Fact]
    public async Task Faults_apply_after_pass_requests_with_retry_after()
    {
        _emulator.Faults.PassRequests = 1;
        _emulator.Faults.StatusCode = 503;
        _emulator.Faults.RetryAfter = TimeSpan.FromSeconds(3);

        using var first = await PostAsync("run", """{"goal":"g"}""");
        using var second = await PostAsync("run", """{"goal":"g"}""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), second.Headers.RetryAfter!.Delta);
        Assert.True((await JsonAsync(second)).TryGetProperty("detail", out _));
    }
}
