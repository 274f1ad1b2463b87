using System.Net;
using System.Text;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Connectors.Mlx.Tests.Support;

/// <summary>Answers every request with the exact bytes of a recorded reply from <c>TestData/</c>, and keeps the requests.</summary>
internal sealed class RecordedReplyHandler(HttpStatusCode status, string fileOrBody, string contentType = "application/json", bool isFile = true) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public Action<HttpResponseMessage>? Customize { get; init; }

    /// <summary>How the body reaches the client: all at once when null (as a server that already sent it), else in these pieces (see <see cref="ChunkedStream"/>).</summary>
    public Func<ReadOnlyMemory<byte>, int>? Pieces { get; init; }

    public static string Read(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file));

    /// <summary>The SK face of an <see cref="MlxChatClient"/> over <paramref name="handler"/>, as SK callers see it.</summary>
    public static IChatCompletionService Service(RecordedReplyHandler handler, Action<MlxOptions>? configure = null)
    {
        var options = new MlxOptions { Endpoint = "http://mlx.test:11435" };
        configure?.Invoke(options);
        return new MlxChatClient(new HttpClient(handler), options).AsChatCompletionService();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add((request, request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken)));
        var body = isFile ? Read(fileOrBody) : fileOrBody;
        var response = new HttpResponseMessage(status)
        {
            Content = new StreamContent(Pieces is null ? new MemoryStream(Encoding.UTF8.GetBytes(body)) : new ChunkedStream(Encoding.UTF8.GetBytes(body), Pieces)),
            RequestMessage = request,
        };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        Customize?.Invoke(response);
        return response;
    }
}
