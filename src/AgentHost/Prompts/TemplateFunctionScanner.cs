namespace AgentHost.Prompts;

/// <summary>
/// Finds the functions an SK template calls (<c>{{recall $input}}</c>, <c>{{time.Date}}</c>), so a prompt that needs a
/// function the kernel lacks fails up front with a message naming it instead of SK's error mid-render. Follows the
/// template syntax: a block runs from <c>{{</c> to the first <c>}}</c> outside quotes; a block whose first token starts
/// with <c>$</c> is a variable, with a quote a value; anything else is a function id.
/// </summary>
internal static class TemplateFunctionScanner
{
    public static IReadOnlyList<string> FindFunctionCalls(string template)
    {
        var found = new List<string>();
        var i = 0;
        while ((i = template.IndexOf("{{", i, StringComparison.Ordinal)) >= 0)
        {
            var end = FindBlockEnd(template, i + 2);
            if (end < 0)
            {
                break;
            }

            var content = template.AsSpan(i + 2, end - i - 2).Trim();
            i = end + 2;
            if (content.IsEmpty || content[0] is '$' or '\'' or '"')
            {
                continue;
            }

            var space = content.IndexOfAny(" \t\r\n".AsSpan());
            var id = (space < 0 ? content : content[..space]).ToString();
            if (!found.Contains(id, StringComparer.OrdinalIgnoreCase))
            {
                found.Add(id);
            }
        }

        return found;
    }

    private static int FindBlockEnd(string text, int start)
    {
        char? quote = null;
        for (var i = start; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '}' && text[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }
}
