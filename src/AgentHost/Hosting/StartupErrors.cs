using System.Reflection;
using AgentHost.Agents;
using Microsoft.Extensions.Options;

namespace AgentHost.Hosting;

/// <summary>Turns configuration and start-up failures into the one readable line a person sees instead of a stack trace.</summary>
internal static class StartupErrors
{
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException e => Describe(e),
        AggregateException { InnerExceptions.Count: > 0 } e when e.InnerExceptions.All(i => Describe(i) is not null) =>
            string.Join("; ", e.InnerExceptions.Select(i => Describe(i))),
        InvalidDataException e => $"Configuration error: {e.Message}",
        AgentDefinitionException e => e.Message,

        // The configuration binder: "Failed to convert configuration value 'soon' at 'AgentHost:…' to type 'System.TimeSpan'."
        InvalidOperationException e when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
            $"Configuration error: {e.Message}",
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Describe(inner),
        _ => null,
    };

    private static string Describe(OptionsValidationException e)
    {
        var where = string.IsNullOrEmpty(e.OptionsName) || e.OptionsName == Options.DefaultName
            ? SectionOf(e.OptionsType)
            : $"{AgentHostServiceCollectionExtensions.SectionName}:Backends:{e.OptionsName}";
        return $"Configuration error in {where}: {string.Join("; ", e.Failures.Select(Clean))}";
    }

    // Options classes name their configuration section in a public const SectionName (e.g. "AgentHost:Http").
    private static string SectionOf(Type optionsType) =>
        optionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string ?? optionsType.Name;

    // DataAnnotations wraps each failure as "DataAnnotation validation failed for 'X' members: 'Y' with the error: 'Z'."
    private static string Clean(string failure)
    {
        const string marker = "with the error: '";
        var i = failure.IndexOf(marker, StringComparison.Ordinal);
        return i < 0 ? failure : failure[(i + marker.Length)..].TrimEnd('.', '\'');
    }
}
