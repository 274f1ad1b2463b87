using System.Text;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>
/// Bad bodies for the embedding routes: <c>/v1/embeddings</c> (OpenAI's error body) and Ollama's <c>/api/embed</c> and
/// <c>/api/embeddings</c> (Ollama's <c>{"error": "..."}</c>). Each is a 4xx with a message, and the service stays up.
/// </summary>
internal static class BadEmbeddingCorpus
{
    private const string OpenAI = "v1/embeddings";
    private const string Embed = "api/embed";
    private const string Embeddings = "api/embeddings";

    public static IEnumerable<BadHttpCase> Cases() =>
    [
        Body("embeddings: malformed JSON", OpenAI, """{"input":"hi" """),
        Body("embeddings: empty body", OpenAI, ""),
        Body("embeddings: a JSON array instead of an object", OpenAI, "[1,2]"),
        Body("embeddings: input missing", OpenAI, """{"model":"agent-host"}"""),
        Body("embeddings: input is a number", OpenAI, """{"input":42}"""),
        Body("embeddings: input is an empty list", OpenAI, """{"input":[]}"""),
        Body("embeddings: input is an empty string", OpenAI, """{"input":""}"""),
        Body("embeddings: input mixes strings and numbers", OpenAI, """{"input":["a",1]}"""),
        Body("embeddings: input is token arrays", OpenAI, """{"input":[[1,2,3]]}"""),
        Body("embeddings: encoding_format 'int8'", OpenAI, """{"input":"hi","encoding_format":"int8"}"""),
        Body("embeddings: dimensions negative", OpenAI, """{"input":"hi","dimensions":-1}"""),
        Body("embeddings: model is a number", OpenAI, """{"model":5,"input":"hi"}"""),
        Body("embeddings: unknown model", OpenAI, """{"model":"no-such-embedding-model","input":"hi"}"""),
        Body("embeddings: JSON nested 5,000 deep", OpenAI, new string('[', 5000) + new string(']', 5000)),
        Body("api/embed: malformed JSON", Embed, """{"model":"nomic-embed-text","input":"""),
        Body("api/embed: empty body", Embed, ""),
        Body("api/embed: a JSON string instead of an object", Embed, "\"hi\""),
        Body("api/embed: input is a number", Embed, """{"model":"nomic-embed-text","input":42}"""),
        Body("api/embed: input list holds an object", Embed, """{"model":"nomic-embed-text","input":["a",{"b":1}]}"""),
        Body("api/embed: model is a number", Embed, """{"model":7,"input":"hi"}"""),
        Body("api/embed: unknown model", Embed, """{"model":"no-such-model","input":"hi"}""", 404),
        Body("api/embeddings: malformed JSON", Embeddings, "{oops"),
        Body("api/embeddings: prompt is a list", Embeddings, """{"model":"nomic-embed-text","prompt":["a"]}"""),
        Body("api/embeddings: unknown model", Embeddings, """{"model":"no-such-model","prompt":"hi"}""", 404),
    ];

    private static BadHttpCase Body(string name, string path, string body, int status = 400) =>
        new(name, [status], () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
}
