using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentHost.Bench.Gateway;

/// <summary>
/// Turns one run's numbers (<c>wrk.jsonl</c>, <c>stream.jsonl</c>, <c>memory.txt</c> in <c>--dir</c>) into the Markdown
/// tables of bench/RESULTS.md and checks them against the goals (DESIGN §4, issue 9). Every goal is printed with a
/// verdict: met, missed, or not measured (a row it needs is missing; never dropped). Exit 1 when a load run had errors,
/// a row the script always runs is missing, or a stream was not whole; with <c>--strict</c> also when a goal is missed
/// or not measured. <c>--smoke</c> checks only that every step ran cleanly (a second of load says nothing about the
/// goals: each is printed as not measured).
/// </summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(CommandLine options)
    {
        var dir = options.Required("dir");
        var smoke = options.Flag("smoke");
        var wrk = ReadLines(System.IO.Path.Combine(dir, "wrk.jsonl"), "WRKJSON ").ToDictionary(r => r.GetProperty("label").GetString()!, r => r);
        var streams = ReadLines(System.IO.Path.Combine(dir, "stream.jsonl"), "STREAMJSON ").ToDictionary(r => r.GetProperty("label").GetString()!, r => r);
        var memory = File.Exists(System.IO.Path.Combine(dir, "memory.txt")) ? File.ReadAllText(System.IO.Path.Combine(dir, "memory.txt")).Trim() : "";
        var md = new StringBuilder();
        var problems = new List<string>();
        var goals = new List<(string Goal, string Measured, bool? Met)>();
        if (wrk.Count == 0)
        {
            problems.Add($"no load rows in {System.IO.Path.Combine(dir, "wrk.jsonl")}: nothing was measured");
        }

        foreach (var label in ExpectedRows.Where(l => !wrk.ContainsKey(l)))
        {
            problems.Add($"row '{label}' is missing: its wrk step did not record a result");
        }

        foreach (var label in ExpectedStreams.Where(l => !streams.ContainsKey(l)))
        {
            problems.Add($"stream probe '{label}' is missing: it did not record a result");
        }

        foreach (var (label, r) in wrk)
        {
            var errors = Int(r, "errors_connect") + Int(r, "errors_read") + Int(r, "errors_write") + Int(r, "errors_status") + Int(r, "errors_timeout");
            if (errors > 0 || Int(r, "requests") == 0)
            {
                problems.Add($"{label}: {Int(r, "requests")} requests, {errors} errors (connect {Int(r, "errors_connect")}, read {Int(r, "errors_read")}, status {Int(r, "errors_status")}, timeout {Int(r, "errors_timeout")})");
            }
        }

        md.AppendLine("| concurrency | path | requests/s | p50 | p99 | p50 added | p99 added | requests/s vs Portkey |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in new[] { 1, 16, 64 })
        {
            var direct = Find(wrk, $"direct c={c}");
            var portkey = Find(wrk, $"portkey c={c}");
            foreach (var path in new[] { "direct", "forward", "serve", "portkey" })
            {
                if (Find(wrk, $"{path} c={c}") is not { } row)
                {
                    continue;
                }

                md.AppendLine(Inv, $"| {c} | {PathName(path)} | {Rps(row)} | {Us(row, "p50_us")} | {Us(row, "p99_us")} | {Added(row, direct, "p50_us")} | {Added(row, direct, "p99_us")} | {Ratio(row, portkey)} |");
            }

            var serveRow = Find(wrk, $"serve c={c}");
            if (c == 1)
            {
                if (serveRow is { } serve && direct is { } d)
                {
                    var p50 = Num(serve, "p50_us") - Num(d, "p50_us");
                    var p99 = Num(serve, "p99_us") - Num(d, "p99_us");
                    goals.Add(("c=1: p50 at most +100 µs over the direct call", Signed(p50), p50 <= 100));
                    goals.Add(("c=1: p99 at most +1 ms over the direct call", Signed(p99), p99 <= 1000));
                }
                else
                {
                    goals.Add(("c=1: p50 at most +100 µs over the direct call", Missing(wrk, "serve c=1", "direct c=1"), null));
                    goals.Add(("c=1: p99 at most +1 ms over the direct call", Missing(wrk, "serve c=1", "direct c=1"), null));
                }
            }

            if (c == 64)
            {
                if (serveRow is { } serve && portkey is { } p)
                {
                    var ratio = Num(serve, "rps") / Num(p, "rps");
                    goals.Add(("c=64: at least 10× Portkey's requests/s", $"{ratio:0.0}× ({Rps(serve)} vs {Rps(p)})", ratio >= 10));
                }
                else
                {
                    goals.Add(("c=64: at least 10× Portkey's requests/s", Missing(wrk, "serve c=64", "portkey c=64"), null));
                }

                goals.Add(serveRow is { } s64
                    ? ("c=64: p99 under 10 ms", Us(s64, "p99_us"), Num(s64, "p99_us") < 10_000)
                    : ("c=64: p99 under 10 ms", Missing(wrk, "serve c=64"), null));
                goals.Add(serveRow is { } r64 && direct is { } d64
                    ? ("c=64: at least 30 % of the direct call's requests/s", $"{100 * Num(r64, "rps") / Num(d64, "rps"):0.0} %", Num(r64, "rps") >= 0.3 * Num(d64, "rps"))
                    : ("c=64: at least 30 % of the direct call's requests/s", Missing(wrk, "serve c=64", "direct c=64"), null));
            }
        }

        // serve against the floor measured in the same run: what is the chain's and the host's own, beside what any gateway pays.
        if (Find(wrk, "forward c=1") is { } f1 && Find(wrk, "serve c=1") is { } s1 && Find(wrk, "forward c=64") is { } f64 && Find(wrk, "serve c=64") is { } sv64
            && Find(wrk, "direct c=1") is { } dir1 && Find(wrk, "direct c=64") is { } dir64)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"The bare forwarder adds {Signed(Num(f1, "p50_us") - Num(dir1, "p50_us"))} (p50, c=1) and reaches {100 * Num(f64, "rps") / Num(dir64, "rps"):0.0} % of the direct call's requests/s at c=64: the two extra HTTP hops every .NET gateway pays here. " +
                $"`serve` over the forwarder: p50 {Signed(Num(s1, "p50_us") - Num(f1, "p50_us"))} at c=1; at c=64 {100 * Num(sv64, "rps") / Num(f64, "rps"):0.0} % of its requests/s.");
        }

        // The cost of metrics: serve as shipped (OpenTelemetry SDK on, /metrics) against serve with AgentHost:Telemetry:Metrics=false,
        // each row right after serve's, same run.
        if (Find(wrk, "serve c=64") is not null && Find(wrk, "serve-nometrics c=64") is not null)
        {
            md.AppendLine();
            md.AppendLine("Cost of metrics (`serve` as shipped, OpenTelemetry SDK and `/metrics` on, against `AgentHost__Telemetry__Metrics=false`; each row right after serve's):");
            md.AppendLine();
            md.AppendLine("| concurrency | path | requests/s | p50 | p99 | requests/s, on / off |");
            md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: |");
            foreach (var c in new[] { 1, 16, 64 })
            {
                if (Find(wrk, $"serve c={c}") is { } on && Find(wrk, $"serve-nometrics c={c}") is { } off)
                {
                    md.AppendLine(Inv, $"| {c} | agent-host `serve`, metrics on (default) | {Rps(on)} | {Us(on, "p50_us")} | {Us(on, "p99_us")} | {Num(on, "rps") / Num(off, "rps"):0.000} |");
                    md.AppendLine(Inv, $"| {c} | agent-host `serve`, metrics off | {Rps(off)} | {Us(off, "p50_us")} | {Us(off, "p99_us")} | 1 |");
                }
            }
        }

        md.AppendLine();
        md.AppendLine("First backend refusing connections (both gateways fail over to the canned backend):");
        md.AppendLine();
        md.AppendLine("| concurrency | path | requests/s | p50 | p99 | requests/s vs Portkey |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var c in new[] { 1, 64 })
        {
            var portkey = Find(wrk, $"portkey-failover c={c}");
            foreach (var path in new[] { "serve-failover", "portkey-failover" })
            {
                if (Find(wrk, $"{path} c={c}") is { } row)
                {
                    md.AppendLine(Inv, $"| {c} | {PathName(path)} | {Rps(row)} | {Us(row, "p50_us")} | {Us(row, "p99_us")} | {Ratio(row, portkey)} |");
                }
            }

            if (c == 64)
            {
                goals.Add(Find(wrk, "serve-failover c=64") is { } s && portkey is { } p
                    ? ("first backend refused, c=64: at least 10× Portkey's requests/s", $"{Num(s, "rps") / Num(p, "rps"):0.0}× ({Rps(s)} vs {Rps(p)})", Num(s, "rps") / Num(p, "rps") >= 10)
                    : ("first backend refused, c=64: at least 10× Portkey's requests/s", Missing(wrk, "serve-failover c=64", "portkey-failover c=64"), null));
            }
        }

        md.AppendLine();
        md.AppendLine("Streaming, one request at a time (Portkey not measured: its streaming fails here, see below):");
        md.AppendLine();
        md.AppendLine("| path | streams | TTFT p50 | TTFT p99 | TTFT p50 added | content chunks | backend gap | gap deviation p50 / max |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (label, r) in streams)
        {
            if (Int(r, "failed") > 0 && !label.StartsWith("portkey", StringComparison.Ordinal))
            {
                problems.Add($"stream {label}: {Int(r, "failed")} of {Int(r, "requests")} not whole: {r.GetProperty("first_failure")}");
            }
        }

        foreach (var (label, r) in streams.Where(s => !s.Key.StartsWith("portkey", StringComparison.Ordinal)))
        {
            var direct = streams.GetValueOrDefault(label.Replace("serve", "direct", StringComparison.Ordinal));
            var added = label.StartsWith("serve", StringComparison.Ordinal) && direct.ValueKind == JsonValueKind.Object
                ? Signed(Num(r, "ttft_p50_us") - Num(direct, "ttft_p50_us")) : "";
            md.AppendLine(Inv, $"| {label} | {Int(r, "ok")}/{Int(r, "requests")} | {Num(r, "ttft_p50_us") / 1000:0.000} ms | {Num(r, "ttft_p99_us") / 1000:0.000} ms | {added} | {Int(r, "content_chunks")} | {Int(r, "expect_gap_ms")} ms | {Num(r, "gap_deviation_p50_ms"):0.00} / {Num(r, "gap_deviation_max_ms"):0.00} ms |");
        }

        if (streams.GetValueOrDefault("serve") is { ValueKind: JsonValueKind.Object } st && streams.GetValueOrDefault("direct") is { ValueKind: JsonValueKind.Object } sd)
        {
            var added = (Num(st, "ttft_p50_us") - Num(sd, "ttft_p50_us")) / 1000;
            goals.Add(("streaming: time to first token at most +1 ms over the direct call", $"{Signed(added * 1000)} (p50)", added <= 1));
        }
        else
        {
            goals.Add(("streaming: time to first token at most +1 ms over the direct call", Missing(streams, "serve", "direct"), null));
        }

        if (streams.GetValueOrDefault("serve paced") is { ValueKind: JsonValueKind.Object } paced)
        {
            // A gateway that buffers shows gaps near 0 (all chunks at once): judged on the median gap's distance from the
            // backend's pacing; the largest distance is shown too (machine noise moves it for the direct call as well).
            var p50 = Num(paced, "gap_deviation_p50_ms");
            var max = Num(paced, "gap_deviation_max_ms");
            var gap = Num(paced, "expect_gap_ms");
            goals.Add(("streaming: chunks passed on as they arrive", $"median gap within {p50:0.00} ms of the backend's {gap:0} ms (largest {max:0.0} ms)", Int(paced, "failed") == 0 && p50 < gap / 4));
        }
        else
        {
            goals.Add(("streaming: chunks passed on as they arrive", Missing(streams, "serve paced"), null));
        }

        if (streams.GetValueOrDefault("portkey") is { ValueKind: JsonValueKind.Object } pk)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"Portkey streaming: {Int(pk, "ok")} of {Int(pk, "requests")} streams whole; first failure: `{pk.GetProperty("first_failure")}`.");
        }

        var variants = wrk.Keys.Where(k => k.StartsWith("variant ", StringComparison.Ordinal) && k.EndsWith(" c=1", StringComparison.Ordinal))
            .Select(k => k["variant ".Length..^" c=1".Length]).ToList();
        if (variants.Count > 0)
        {
            var rss = File.Exists(System.IO.Path.Combine(dir, "variants-rss.tsv"))
                ? File.ReadAllLines(System.IO.Path.Combine(dir, "variants-rss.tsv")).Select(l => l.Split('\t')).Where(p => p.Length == 2)
                    .ToDictionary(p => p[0], p => double.TryParse(p[1], Inv, out var kb) ? $"{kb / 1024:0} MB" : "")
                : [];
            var direct1 = Find(wrk, "direct c=1");
            md.AppendLine();
            md.AppendLine("Variants of `serve` (one hot-path cost taken away at a time; started one after another, each warmed up):");
            md.AppendLine();
            md.AppendLine("| variant | c=1 p50 | c=1 p50 added | c=1 p99 | c=64 requests/s | c=64 p50 | c=64 p99 | peak working set |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var v in variants)
            {
                var one = wrk[$"variant {v} c=1"];
                var many = Find(wrk, $"variant {v} c=64");
                md.AppendLine(Inv, $"| {v} | {Us(one, "p50_us")} | {(direct1 is { } d1 ? Signed(Num(one, "p50_us") - Num(d1, "p50_us")) : "")} | {Us(one, "p99_us")} | {(many is { } m ? Rps(m) : "")} | {(many is { } m2 ? Us(m2, "p50_us") : "")} | {(many is { } m3 ? Us(m3, "p99_us") : "")} | {rss.GetValueOrDefault(v, "")} |");
            }
        }

        if (memory.Length > 0)
        {
            md.AppendLine();
            md.AppendLine($"Host (`serve`) memory during the load: {memory}.");
        }

        goals.Add(memory.Length > 0 && double.TryParse(memory.Split(' ')[0], Inv, out var maxMb)
            ? ("host memory at most 200 MB under load", $"{maxMb:0} MB peak working set", maxMb <= 200)
            : ("host memory at most 200 MB under load", "no memory samples (memory.txt)", null));

        md.AppendLine();
        md.AppendLine("| goal | measured | verdict |");
        md.AppendLine("| --- | --- | --- |");
        var notMet = 0;
        foreach (var (goal, measured, met) in goals)
        {
            var verdict = smoke ? "not measured (smoke: a second of load)" : met switch { true => "met", false => "**missed**", null => "not measured" };
            notMet += !smoke && met == true ? 0 : 1;
            md.AppendLine($"| {goal} | {measured} | {verdict} |");
        }

        Console.Write(md.ToString());
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"VIOLATION {problem}");
        }

        var strict = options.Flag("strict");
        Console.Error.WriteLine(strict
            ? $"goals: {goals.Count - notMet} of {goals.Count} met; --strict: {(notMet > 0 ? "exit 1" : "every goal met")}"
            : $"goals: {goals.Count - notMet} of {goals.Count} met{(smoke ? " (smoke: none measured)" : "")}; they decide the exit code only with --strict");
        return problems.Count > 0 || (strict && notMet > 0) ? 1 : 0;
    }

    /// <summary>The wrk rows run.sh always records (warm-ups and variants aside).</summary>
    private static readonly string[] ExpectedRows =
    [
        "direct c=1", "forward c=1", "serve c=1", "serve-nometrics c=1", "portkey c=1",
        "direct c=16", "forward c=16", "serve c=16", "serve-nometrics c=16", "portkey c=16",
        "direct c=64", "forward c=64", "serve c=64", "serve-nometrics c=64", "portkey c=64",
        "serve-failover c=1", "portkey-failover c=1", "serve-failover c=64", "portkey-failover c=64",
    ];

    /// <summary>The stream probes run.sh always records (Portkey's is recorded even though it fails).</summary>
    private static readonly string[] ExpectedStreams = ["direct", "serve", "direct paced", "serve paced", "portkey"];

    private static string Missing(Dictionary<string, JsonElement> rows, params string[] labels) =>
        string.Join(" and ", labels.Where(l => !rows.ContainsKey(l)).Select(l => $"'{l}'")) + " did not run";

    private static string PathName(string path) => path switch
    {
        "direct" => "direct to backend",
        "forward" => "bare ASP.NET forwarder (the floor)",
        "serve" => "agent-host `serve`",
        "portkey" => "Portkey 1.15.2",
        "serve-failover" => "agent-host `serve`",
        "portkey-failover" => "Portkey 1.15.2",
        _ => path,
    };

    private static IEnumerable<JsonElement> ReadLines(string file, string prefix) => !File.Exists(file)
        ? []
        : File.ReadAllLines(file).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[prefix.Length..]).RootElement.Clone());

    private static JsonElement? Find(Dictionary<string, JsonElement> rows, string label) => rows.TryGetValue(label, out var r) ? r : null;

    private static double Num(JsonElement r, string name) => r.GetProperty(name).GetDouble();

    private static long Int(JsonElement r, string name) => (long)r.GetProperty(name).GetDouble();

    private static string Rps(JsonElement r) => Num(r, "rps") >= 10_000 ? $"{Num(r, "rps") / 1000:0.0}k" : Num(r, "rps").ToString("0", Inv);

    private static string Us(JsonElement r, string name) => Num(r, name) >= 1000 ? $"{Num(r, name) / 1000:0.00} ms" : $"{Num(r, name):0} µs";

    private static string Added(JsonElement r, JsonElement? direct, string name) =>
        direct is { } d && r.GetProperty("label").GetString()!.StartsWith("direct", StringComparison.Ordinal) is false
            ? Signed(Num(r, name) - Num(d, name)) : "";

    private static string Signed(double us) => Math.Abs(us) >= 1000 ? (us / 1000).ToString("+0.00;-0.00", Inv) + " ms" : us.ToString("+0;-0", Inv) + " µs";

    private static string Ratio(JsonElement r, JsonElement? portkey) =>
        portkey is { } p && r.GetProperty("label").GetString()!.StartsWith("serve", StringComparison.Ordinal) && Num(p, "rps") > 0
            ? $"{Num(r, "rps") / Num(p, "rps"):0.0}×" : "";
}
