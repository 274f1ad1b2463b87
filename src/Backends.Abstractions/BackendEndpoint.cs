namespace AgentHost.Backends;

/// <summary>Addresses under a backend's endpoint.</summary>
public static class BackendEndpoint
{
    /// <summary>
    /// Resolves <paramref name="relativePath"/> under <paramref name="endpoint"/> as under a folder, so a path prefix
    /// the endpoint carries is kept: <c>http://proxy/mlx</c> + <c>api/generate</c> → <c>http://proxy/mlx/api/generate</c>
    /// (a plain <see cref="Uri"/> join would drop <c>mlx</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="endpoint"/> is not absolute.</exception>
    public static Uri Resolve(Uri endpoint, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(relativePath);
        if (!endpoint.AbsolutePath.EndsWith('/'))
        {
            endpoint = new UriBuilder(endpoint) { Path = endpoint.AbsolutePath + "/" }.Uri;
        }

        return new Uri(endpoint, relativePath);
    }
}
