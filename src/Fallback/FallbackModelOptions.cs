namespace AgentHost.Fallback;

/// <summary>
/// Which model a backend is asked for when the one wanted is not among the models it reports (the seed's
/// <c>_get_available_model</c>), bound from <c>AgentHost:Fallback:Models</c>. In order: the wanted model; a name
/// variant (<c>phi3.5</c> or <c>phi3.5:latest</c> for <c>phi3.5:3.8b</c>, and back); the entries of its
/// <see cref="Fallbacks"/> list (each with its variants); the first chat model present (not an embedding or vision
/// model, see <see cref="NonChatMarkers"/>). A backend that reports models but none usable is skipped. A model the
/// caller named is never substituted (only the backends that have it are tried).
/// </summary>
public sealed class FallbackModelOptions
{
    /// <summary>Whether models are checked against the backends' catalogs at all. On by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What to try, in order, when a model is missing; an entry whose <see cref="FallbackModelList.Model"/> is <c>*</c> applies to every model without its own list.</summary>
    public List<FallbackModelList> Fallbacks { get; set; } = [];

    /// <summary>Parts of a model name that mark it as no chat model (case-insensitive): never chosen as a substitute.</summary>
    public List<string> NonChatMarkers { get; set; } = ["embed", "vision", "llava", "moondream", "clip", "bge-", "minilm", "rerank", "whisper"];

    /// <summary>How long a backend's model list is trusted before it is asked again (in the background).</summary>
    public TimeSpan CatalogTimeToLive { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>One model's fallback list (a list of objects, since configuration keys cannot hold the <c>:</c> of <c>qwen2.5:7b</c>).</summary>
public sealed class FallbackModelList
{
    /// <summary>The model wanted, e.g. <c>qwen2.5-coder:32b</c>; <c>*</c> for every model without its own list.</summary>
    public string Model { get; set; } = "";

    /// <summary>The models to try instead, in order.</summary>
    public List<string> Then { get; set; } = [];
}
