using System.Globalization;

namespace AgentHost.Bench.Gateway;

/// <summary><c>--name value</c> pairs and bare <c>--flag</c>s; a name given twice keeps every value.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static CommandLine Parse(IEnumerable<string> args)
    {
        var line = new CommandLine();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{list[i]}'");
            }

            var name = list[i][2..];
            var value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : "true";
            if (!line._values.TryGetValue(name, out var values))
            {
                line._values[name] = values = [];
            }

            values.Add(value);
        }

        return line;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public bool Flag(string name) => Get(name) is "true";

    public int Int(string name, int fallback)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new ArgumentException($"--{name} must be a whole number ≥ 0 (got '{text}')");
    }
}
