using System.Net;
using System.Text.Json;
using AgentHost.Emulators.Hosting;

namespace AgentHost.Tests.Http;

/// <summary>A backend that rejects the request itself (400) is the caller's error: no failover, a 400 naming who rejected it.</summary>
public sealed class BackendRejectionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_400_from_the_backend_is_a_400_naming_it_and_no_other_backend_is_asked(bool stream)
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Mlx.Faults.StatusCode = 400;
        gateway.Mlx.Faults.ErrorMessage = "prompt must not be empty";

        using var response = await gateway.PostChatAsync(TestGateway.ChatBody("hi", stream));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("backend_rejected_request", error.GetProperty("code").GetString());
        Assert.StartsWith("Mlx rejected the request: ", error.GetProperty("message").GetString());
        Assert.Contains("prompt must not be empty", error.GetProperty("message").GetString());
        Assert.Equal(0, gateway.Ollama.GenerationRequests);
    }
}
