using System.Net;
using System.Text.RegularExpressions;
using AgentHost.Fallback;
using Microsoft.Extensions.Options;

namespace AgentHost.Routing;

/// <summary>
/// Lets a route's instructions name a prompt of the prompts folder: <c>"Instructions": { "Mlx": "prompt:plan" }</c> gives
/// Mlx, on that route, the system message of <c>prompts/plan/skprompt.txt</c> (its <c>&lt;message role="system"&gt;</c>
/// part, else the whole text), so one shipped file is both the route's instructions and a prompt <c>POST /prompts/plan</c>
/// runs. A name with no such file fails the start with one line.
/// </summary>
internal sealed partial class RouteInstructions(IHostEnvironment? environment, IConfiguration configuration) : IPostConfigureOptions<FallbackRoutingOptions>
{
    public const string PromptPrefix = "prompt:";

    public void PostConfigure(string? name, FallbackRoutingOptions options)
    {
        foreach (var (routeName, route) in options.Routes)
        {
            foreach (var (backend, text) in route.Instructions.ToList())
            {
                if (text?.StartsWith(PromptPrefix, StringComparison.OrdinalIgnoreCase) == true)
                {
                    route.Instructions[backend] = Read(text[PromptPrefix.Length..].Trim(), $"{FallbackRoutingOptions.RoutesSectionName}:{routeName}:Instructions:{backend}");
                }
            }
        }
    }

    private string Read(string prompt, string key)
    {
        // The configured prompts folder first, then the shipped one (a person's own folder need not copy the shipped prompts).
        var contentRoot = environment?.ContentRootPath ?? Hosting.ContentRoot.Locate();
        var configured = configuration[Prompts.PromptServiceCollectionExtensions.PromptsPathKey];
        string[] roots =
        [
            Hosting.ShippedFolders.Resolve(configured, Prompts.PromptServiceCollectionExtensions.DefaultPromptsPath, contentRoot, "prompts"),
            Hosting.ShippedFolders.Resolve(null, Prompts.PromptServiceCollectionExtensions.DefaultPromptsPath, contentRoot, "prompts"),
        ];
        var file = prompt.Length == 0 || prompt.Contains("..", StringComparison.Ordinal) || prompt.IndexOfAny(['/', '\\']) >= 0
            ? null
            : roots.Distinct().Select(r => Path.Combine(r, prompt, "skprompt.txt")).FirstOrDefault(File.Exists);
        if (file is null)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(FallbackRoutingOptions),
                [$"{key}: no prompt '{prompt}' in {string.Join(" or ", roots.Distinct())} (a folder with skprompt.txt)."]);
        }

        var template = File.ReadAllText(file);
        return SystemMessage().Match(template) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : template.Trim();
    }

    [GeneratedRegex("""<message\s+role\s*=\s*["']system["']\s*>(.*?)</message>""", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex SystemMessage();
}
