namespace AgentHost.Backends.Tests;

/// <summary>Requests go under the configured endpoint, path prefix included.</summary>
public sealed class BackendEndpointTests
{
    [Theory]
    [InlineData("http://localhost:11435", "api/generate", "http://localhost:11435/api/generate")]
    [InlineData("http://localhost:11435/", "health", "http://localhost:11435/health")]
    [InlineData("http://proxy.test/mlx", "api/generate", "http://proxy.test/mlx/api/generate")]
    [InlineData("http://proxy.test/mlx/", "api/generate", "http://proxy.test/mlx/api/generate")]
    [InlineData("https://gw.test/a/b", "run?async_mode=true", "https://gw.test/a/b/run?async_mode=true")]
    [InlineData("http://gw.test/victoria?key=1", "run/status/t%2F1", "http://gw.test/victoria/run/status/t%2F1")]
    [InlineData("http://gw.test/my%20dir", "health", "http://gw.test/my%20dir/health")]
    public void Resolves_under_the_endpoint_keeping_its_path(string endpoint, string relative, string expected) =>
        Assert.Equal(expected, BackendEndpoint.Resolve(new Uri(endpoint), relative).AbsoluteUri);

    [Fact]
    public void A_relative_endpoint_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => BackendEndpoint.Resolve(new Uri("/", UriKind.Relative), "health"));
}
