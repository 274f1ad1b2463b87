namespace AgentHost.Models;

/// <summary>
/// <c>AgentHost:Models</c>: where pulled GGUF models live and which hub they come from. The Embedded backend uses the
/// default one when no <c>Backends:Embedded:ModelPath</c> is set.
/// </summary>
internal sealed class ModelsOptions
{
    public const string SectionName = "AgentHost:Models";

    /// <summary>Hugging Face, unless <c>HF_ENDPOINT</c> (as <c>huggingface_hub</c> reads it) or <see cref="HubEndpoint"/> says otherwise.</summary>
    public const string DefaultHubEndpoint = "https://huggingface.co";

    /// <summary>The models folder; empty: <c>~/.cache/agent-host/models</c> (the user's cache folder).</summary>
    public string? Path { get; set; }

    /// <summary>The hub speaking <c>/{owner}/{repo}/resolve/{revision}/{file}</c>; empty: <c>HF_ENDPOINT</c>, else Hugging Face.</summary>
    public string? HubEndpoint { get; set; }

    /// <summary>The file name of the default model in the folder; empty: the one <c>models pull</c> made default, else the only one.</summary>
    public string? Default { get; set; }

    public static ModelsOptions From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<ModelsOptions>() ?? new ModelsOptions();

    public string FullPath => string.IsNullOrWhiteSpace(Path)
        ? Hosting.UserFolders.DefaultModelsDirectory
        : System.IO.Path.GetFullPath(Path.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Path[2..])
            : Path);

    public Uri Hub
    {
        get
        {
            var value = !string.IsNullOrWhiteSpace(HubEndpoint) ? HubEndpoint
                : Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } env ? env
                : DefaultHubEndpoint;
            return Uri.TryCreate(value.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new InvalidOperationException($"Configuration error in {SectionName}: HubEndpoint '{value}' is not an absolute http:// or https:// URL.");
        }
    }
}
