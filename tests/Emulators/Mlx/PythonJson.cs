using System.Globalization;
using System.Text;

namespace AgentHost.Emulators.Mlx;

/// <summary>Writes strings the way Python's <c>json.dumps</c> does by default (<c>ensure_ascii=True</c>).</summary>
internal static class PythonJson
{
    public static string String(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' or > '\u007f' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }
}
