using AgentHost.Bench.Reliability.Infrastructure;

namespace AgentHost.Bench.Reliability.Suites;

/// <summary>One bad command line: arguments, extra environment, and a word the error should contain (when one is sure).</summary>
internal sealed record BadCliCase(string Name, string[] Args, IReadOnlyDictionary<string, string> Environment, string? ExpectInError = null);

/// <summary>Bad arguments, bad configuration values (command line and environment), unknown prompts and agents.</summary>
internal static class BadCliCorpus
{
    public static List<BadCliCase> Build(EmulatorSet emulators)
    {
        var env = emulators.HostEnvironment();
        Dictionary<string, string> With(string key, string value) => new(env) { [key] = value };
        BadCliCase Case(string name, string[] args, string? expect = null) => new(name, args, env, expect);

        return
        [
            Case("unknown command", ["frobnicate"], "frobnicate"),
            Case("ask without a message", ["ask"]),
            Case("ask with an unknown option", ["ask", "hi", "--loudly"], "loudly"),
            Case("Mlx endpoint not a URL", ["ask", "hi", "--AgentHost:Backends:Mlx:Endpoint=not-a-url"], "Endpoint"),
            Case("Ollama endpoint with ftp://", ["ask", "hi", "--AgentHost:Backends:Ollama:Endpoint=ftp://127.0.0.1/"], "Endpoint"),
            Case("order names a backend that does not exist", ["ask", "hi", "--AgentHost:Fallback:Order:0=NoSuchBackend"], "NoSuchBackend"),
            Case("Mlx protocol unknown", ["ask", "hi", "--AgentHost:Backends:Mlx:Protocol=CarrierPigeon"], "Protocol"),
            Case("Mlx MaxTokens negative", ["ask", "hi", "--AgentHost:Backends:Mlx:MaxTokens=-5"], "MaxTokens"),
            Case("attempt timeout not a time", ["ask", "hi", "--AgentHost:Fallback:Resilience:AttemptTimeout=soon"], "AttemptTimeout"),
            Case("retries not a number", ["ask", "hi", "--AgentHost:Fallback:Resilience:MaxRetryAttempts=many"], "MaxRetryAttempts"),
            Case("Victoria mode unknown", ["backends", "--AgentHost:Backends:Victoria:Mode=Sometimes"], "Mode"),
            new("Ollama endpoint garbage from the environment", ["ask", "hi"], With("AgentHost__Backends__Ollama__Endpoint", "::::"), "Endpoint"),
            Case("serve beyond loopback without an API key", ["serve", "--urls", "http://0.0.0.0:18999"], "API key"),
            Case("serve on every address without the names clients use", ["serve", "--urls", "http://0.0.0.0:18997", "--AgentHost:Http:ApiKey=k"], "AllowedHosts"),
            Case("serve with '*' as an allowed origin", ["serve", "--urls", "http://127.0.0.1:18996", "--AgentHost:Http:AllowedOrigins=*"], "AllowedOrigins"),
            Case("serve with a port in an allowed host", ["serve", "--urls", "http://127.0.0.1:18995", "--AgentHost:Http:AllowedHosts=myhost.lan:8080"], "AllowedHosts"),
            Case("serve on an address that is not a URL", ["serve", "--urls", "not a url"]),
            Case("serve with a zero body limit", ["serve", "--urls", "http://127.0.0.1:18998", "--AgentHost:Http:MaxRequestBodyBytes=0"], "MaxRequestBodyBytes"),
            Case("run an unknown prompt", ["run", "no-such-prompt"], "no-such-prompt"),
            Case("run a prompt named with ../", ["run", "../../src/AgentHost/appsettings"]),
            Case("run a prompt by absolute path", ["run", "/etc/passwd"]),
            Case("run --arg without a value", ["run", "summarize", "--arg"]),
            Case("run --arg without '='", ["run", "summarize", "--arg", "novalue"]),
            Case("run with an unknown argument", ["run", "summarize", "--arg", "no_such_argument=1"], "no_such_argument"),
            Case("agent unknown", ["agent", "no-such-agent", "do it"], "no-such-agent"),
            Case("agent named with ../", ["agent", "../agents/assistant", "do it"]),
            Case("agent without a goal", ["agent", "assistant"]),
            new("ask with every backend disabled", ["ask", "hi"], new Dictionary<string, string>(env)
            {
                ["AgentHost__Backends__Mlx__Enabled"] = "false",
                ["AgentHost__Backends__Ollama__Enabled"] = "false",
                ["AgentHost__Backends__Victoria__Enabled"] = "false",
            }),
            new("ask with every backend refusing", ["ask", "hi"], new Dictionary<string, string>(env)
            {
                ["AgentHost__Backends__Mlx__Endpoint"] = "http://127.0.0.1:9",
                ["AgentHost__Backends__Ollama__Endpoint"] = "http://127.0.0.1:9",
                ["AgentHost__Backends__Victoria__Endpoint"] = "http://127.0.0.1:9",
            }),
        ];
    }
}
