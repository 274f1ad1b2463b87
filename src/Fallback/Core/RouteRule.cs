using System.Text.RegularExpressions;

namespace AgentHost.Fallback.Core;

/// <summary>A routing rule ready to match: keywords, compiled patterns, bounds, and its outcome. Matching allocates nothing.</summary>
internal sealed class RouteRule
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);
    private readonly string[] _keywords;
    private readonly string[] _excludeKeywords;
    private readonly Regex? _pattern;
    private readonly Regex? _excludePattern;
    private readonly int _minLength;
    private readonly int _maxLength;
    private readonly bool? _tools;

    private RouteRule(string name, FallbackRuleOptions options, Regex? pattern, Regex? excludePattern, int routeIndex)
    {
        Name = name;
        ChosenBy = FallbackRouteDecision.RulePrefix + name;
        _keywords = [.. options.Keywords.Where(k => !string.IsNullOrEmpty(k))];
        _excludeKeywords = [.. options.ExcludeKeywords.Where(k => !string.IsNullOrEmpty(k))];
        _pattern = pattern;
        _excludePattern = excludePattern;
        _minLength = options.MinLength ?? 0;
        _maxLength = options.MaxLength ?? int.MaxValue;
        _tools = options.Tools;
        RouteIndex = routeIndex;
        Models = options.Models.Count == 0 ? null : new Dictionary<string, string>(options.Models, StringComparer.OrdinalIgnoreCase);
    }

    public string Name { get; }

    /// <summary><c>rule:&lt;name&gt;</c>.</summary>
    public string ChosenBy { get; }

    /// <summary>The index of the rule's route in the route table, or -1 when the rule chooses models only.</summary>
    public int RouteIndex { get; }

    /// <summary>The models the rule chooses, or <see langword="null"/> when it chooses a route only.</summary>
    public IReadOnlyDictionary<string, string>? Models { get; }

    /// <summary>Compiles a rule; <paramref name="error"/> says in one line what is wrong with it.</summary>
    public static RouteRule? Create(FallbackRuleOptions options, string name, int routeIndex, out string? error)
    {
        error = null;
        var pattern = Compile(options.Pattern, nameof(FallbackRuleOptions.Pattern), ref error);
        var excludePattern = Compile(options.ExcludePattern, nameof(FallbackRuleOptions.ExcludePattern), ref error);
        return error is null ? new RouteRule(name, options, pattern, excludePattern, routeIndex) : null;
    }

    /// <summary>Whether the rule applies to a request whose last user message is <paramref name="text"/>.</summary>
    public bool Matches(string text, bool hasTools)
    {
        if (text.Length < _minLength || text.Length > _maxLength || _tools is { } tools && tools != hasTools)
        {
            return false;
        }

        if (_keywords.Length > 0 && !ContainsAny(text, _keywords))
        {
            return false;
        }

        if (_excludeKeywords.Length > 0 && ContainsAny(text, _excludeKeywords))
        {
            return false;
        }

        try
        {
            return (_pattern is null || _pattern.IsMatch(text)) && (_excludePattern is null || !_excludePattern.IsMatch(text));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static bool ContainsAny(string text, string[] words)
    {
        foreach (var word in words)
        {
            if (text.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static Regex? Compile(string? pattern, string key, ref string? error)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return null;
        }

        try
        {
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            error ??= $"{key} '{pattern}' is not a valid regular expression ({e.Message.Split('\n')[0].Trim()})";
            return null;
        }
    }
}
