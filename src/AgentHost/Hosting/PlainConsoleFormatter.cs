using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace AgentHost.Hosting;

/// <summary>
/// Log lines for a person at a terminal: just the message (e.g. <c>[Mlx] failed: 503 model loading → trying Ollama</c>),
/// prefixed with the level only when it is a warning or worse.
/// </summary>
internal sealed class PlainConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "agent-host";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var prefix = logEntry.LogLevel switch
        {
            LogLevel.Warning => "warn: ",
            LogLevel.Error => "error: ",
            LogLevel.Critical => "critical: ",
            _ => string.Empty,
        };
        textWriter.Write(prefix);
        textWriter.Write(message);
        if (logEntry.Exception is { } e && !message.Contains(e.Message, StringComparison.Ordinal))
        {
            textWriter.Write(" (");
            textWriter.Write(e.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(e.Message);
            textWriter.Write(')');
        }

        textWriter.WriteLine();
    }
}
