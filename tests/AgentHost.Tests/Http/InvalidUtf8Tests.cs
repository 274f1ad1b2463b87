using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AgentHost.Tests.Http;

/// <summary>
/// Bytes that are not UTF-8 inside a JSON string: found by the reliability suite's bad-input corpus as a 500.
/// They are the caller's error: 400 in OpenAI's shape, and the service keeps answering.
/// </summary>
public sealed class InvalidUtf8Tests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi \xFF\xFE there\"}]}")]
    [InlineData("/prompts/summarize", "{\"input\":\"hi \xFF\xFE there\"}")]
    public async Task Invalid_utf8_in_a_string_is_a_400_in_openai_shape_and_the_service_stays_up(string path, string template)
    {
        // Latin-1 keeps \xFF and \xFE as single bytes: the body is valid JSON syntax with invalid UTF-8 in a string.
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(template));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _gateway.Client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health")).StatusCode);
    }
}
