namespace AgentHost.Emulators.Hosting;

/// <summary>A request an emulator received, for tests to assert what a client sent.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path with the query string.</param>
/// <param name="Body">The body as text (empty when none).</param>
/// <param name="Headers">The request headers.</param>
public sealed record RecordedRequest(string Method, string PathAndQuery, string Body, IReadOnlyDictionary<string, string> Headers);
