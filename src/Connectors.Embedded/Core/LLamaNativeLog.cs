using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Sends llama.cpp's own log output (which otherwise goes straight to stderr, many lines per load) to an
/// <see cref="ILogger"/>: errors stay errors, warnings stay warnings, everything else becomes debug. The native
/// callback is process-wide, so the first backend to load sets it.
/// </summary>
internal static class LLamaNativeLog
{
    private static int _routed;

    [ThreadStatic]
    private static StringBuilder? _line;

    public static void Route(ILogger logger)
    {
        if (Interlocked.Exchange(ref _routed, 1) == 1)
        {
            return;
        }

        try
        {
            SetCallback(logger);
        }
        catch (InvalidOperationException)
        {
            // LLamaSharp checks "loaded?" and then configures the loader; when another thread loads the native library in
            // between, the loader refuses ("already loaded"). Now it is loaded, so the callback goes to llama.cpp directly.
            SetCallback(logger);
        }
    }

    private static void SetCallback(ILogger logger)
    {
        LLamaLogLevel lastLevel = LLamaLogLevel.Info;
        NativeLogConfig.llama_log_set((level, message) =>
        {
            // "Continue" extends the previous message; a message is complete at its newline.
            if (level != LLamaLogLevel.Continue)
            {
                lastLevel = level;
            }

            var line = _line ??= new StringBuilder();
            line.Append(message);
            if (!message.EndsWith('\n'))
            {
                return;
            }

            var text = line.ToString().TrimEnd();
            line.Clear();
            var logLevel = lastLevel switch
            {
                LLamaLogLevel.Error => LogLevel.Error,
                LLamaLogLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Debug,
            };
            if (text.Length > 0 && logger.IsEnabled(logLevel))
            {
#pragma warning disable CA1848, CA2254 // native text, not a message template
                logger.Log(logLevel, "llama.cpp: {Message}", text);
#pragma warning restore CA1848, CA2254
            }
        });
    }
}
