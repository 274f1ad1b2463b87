namespace AgentHost.Fallback.Benchmarks.Benchmarks;

/// <summary>Routing configurations for the routing rows (issue 7): three routes, and either no rules or ten.</summary>
internal static class RoutingRules
{
    /// <summary>Three routes besides <c>default</c>, no rules: every call takes the default route.</summary>
    public static void RoutesOnly(FallbackRoutingOptions o)
    {
        o.Routes["code"] = new FallbackRouteOptions { Order = ["Secondary", "Primary"], Description = "coding questions" };
        o.Routes["long"] = new FallbackRouteOptions { Order = ["Secondary"], Description = "long prompts" };
        o.Routes["greeting"] = new FallbackRouteOptions { Order = ["Primary", "Secondary"], Description = "small talk" };
    }

    /// <summary>
    /// The three routes and ten rules of the kinds people write (keyword stems, regular expressions, length bounds,
    /// tools), of which only the tenth matches the benchmark's message ("Say hello."): every rule is evaluated.
    /// </summary>
    public static void TenRules(FallbackRoutingOptions o)
    {
        RoutesOnly(o);
        o.Rules =
        [
            new FallbackRuleOptions { Name = "code-ru", Keywords = ["код", "программ", "функци"], Route = "code" },
            new FallbackRuleOptions { Name = "code-en", Keywords = ["code", "function", "compile", "refactor"], Route = "code" },
            new FallbackRuleOptions { Name = "python", Pattern = @"\bdef\s+\w+\s*\(|\bimport\s+\w+", Route = "code" },
            new FallbackRuleOptions { Name = "csharp", Pattern = @"\b(public|private)\s+(sealed\s+)?class\b", Route = "code" },
            new FallbackRuleOptions { Name = "sql", Keywords = ["select ", "insert into", "join "], ExcludeKeywords = ["join us"], Route = "code" },
            new FallbackRuleOptions { Name = "long", MinLength = 4_000, Route = "long" },
            new FallbackRuleOptions { Name = "tools", Tools = true, Route = "code" },
            new FallbackRuleOptions { Name = "translate", Pattern = @"^\s*(translate|переведи)\b", Route = "long" },
            new FallbackRuleOptions { Name = "stack-trace", Keywords = ["exception", "stack trace", "traceback"], MinLength = 40, Route = "code" },
            new FallbackRuleOptions { Name = "greeting", Keywords = ["hello", "привет", "hi "], MaxLength = 200, Route = "greeting" },
        ];
    }
}
