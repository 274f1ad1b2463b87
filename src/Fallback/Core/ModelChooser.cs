namespace AgentHost.Fallback.Core;

/// <summary>How a model was chosen for a backend: the one wanted, a variant of its name, a fallback, or any chat model there.</summary>
internal enum ModelChoice
{
    Wanted,
    Variant,
    Fallback,
    AnyChatModel,
    None,
}

/// <summary>
/// Picks the model to ask a backend for, from the models it reports (see <see cref="FallbackModelOptions"/>). Pure:
/// no I/O, no state; safe from any thread.
/// </summary>
internal static class ModelChooser
{
    public static (string? Model, ModelChoice How) Choose(string wanted, IReadOnlyList<string> available, FallbackModelOptions options)
    {
        if (Find(wanted, available) is { } found)
        {
            return (found, string.Equals(found, wanted, StringComparison.OrdinalIgnoreCase) || BackendModelDirectory.SameModel(found, wanted) ? ModelChoice.Wanted : ModelChoice.Variant);
        }

        foreach (var fallback in FallbacksOf(wanted, options))
        {
            if (Find(fallback, available) is { } other && IsChatModel(other, options))
            {
                return (other, ModelChoice.Fallback);
            }
        }

        foreach (var name in available)
        {
            if (IsChatModel(name, options))
            {
                return (name, ModelChoice.AnyChatModel);
            }
        }

        return (null, ModelChoice.None);
    }

    /// <summary>Whether <paramref name="name"/> looks like a chat model (no embedding or vision marker in it).</summary>
    public static bool IsChatModel(string name, FallbackModelOptions options)
    {
        foreach (var marker in options.NonChatMarkers)
        {
            if (!string.IsNullOrEmpty(marker) && name.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The reported name for <paramref name="model"/>: the same (<c>:latest</c> implied), else a variant (same name, another or no tag).</summary>
    private static string? Find(string model, IReadOnlyList<string> available)
    {
        foreach (var name in available)
        {
            if (BackendModelDirectory.SameModel(name, model))
            {
                return name;
            }
        }

        var family = Family(model);
        foreach (var name in available)
        {
            if (string.Equals(Family(name), family, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary><c>phi3.5</c> for <c>phi3.5:3.8b</c>, <c>phi3.5:latest</c> and <c>phi3.5</c>.</summary>
    private static string Family(string model) => model.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? model[..colon] : model;

    private static List<string> FallbacksOf(string model, FallbackModelOptions options)
    {
        var own = options.Fallbacks.FirstOrDefault(f => BackendModelDirectory.SameModel(f.Model, model))
            ?? options.Fallbacks.FirstOrDefault(f => f.Model == "*");
        return own?.Then ?? [];
    }
}
