using AgentHost.Fallback.Benchmarks;
using AgentHost.Fallback.Benchmarks.Benchmarks;
using AgentHost.Fallback.Benchmarks.Profiling;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Fallback.Benchmarks -- --filter '*'       every row, measured (~5 min here)
// dotnet run -c Release --project bench/Fallback.Benchmarks -- --filter '*' --strict   the same; exit 1 unless every goal is met
// dotnet run -c Release --project bench/Fallback.Benchmarks -- --smoke            every row once, seconds (CI)
// dotnet run -c Release --project bench/Fallback.Benchmarks -- --alloc-profile    where each scenario's bytes and thread hops go
// Other BenchmarkDotNet options pass through (e.g. --filter '*Chain*', --list flat). --outofprocess uses BenchmarkDotNet's
// default toolchain (a generated project, built by a nested `dotnet build`: take the shared build lock first).
var smoke = args.Contains("--smoke");
var strict = args.Contains("--strict");
var outOfProcess = args.Contains("--outofprocess");
if (args.Contains("--alloc-profile"))
{
    return await AllocationProfile.RunAsync(args.Contains("--smoke") ? 2_000 : 200_000);
}

var rest = args.Where(a => a is not "--smoke" and not "--outofprocess" and not "--strict").ToList();
if (smoke && !rest.Contains("--filter"))
{
    rest.AddRange(["--filter", "*"]);
}

Type[] types = [typeof(ChatCallBenchmarks), typeof(StreamingBenchmarks), typeof(RoutingBenchmarks), typeof(BuildingBlocksBenchmarks), typeof(EmbeddedTokensBenchmarks)];
if (EmbeddedTokensBenchmarks.ModelPath() is null)
{
    Console.WriteLine("// The tiny GGUF (../shared/testdata/tiny-gguf/tiny-llama.gguf, or AGENTHOST_BENCH_GGUF) is not here: Embedded rows skipped.");
    types = [.. types.Where(t => t != typeof(EmbeddedTokensBenchmarks))];
}

var summaries = BenchmarkSwitcher.FromTypes(types).Run([.. rest], BenchConfig.Create(smoke, outOfProcess));
var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
var notMet = Goals.Print(summaries, smoke);
if (failed)
{
    Console.WriteLine("// A benchmark or its setup check failed: exit 1.");
    return 1;
}

if (strict && notMet > 0)
{
    Console.WriteLine($"// --strict: {notMet} goals missed or not measured: exit 1.");
    return 1;
}

Console.WriteLine(strict ? "// --strict: every goal met." : "// Goals do not decide the exit code without --strict (this run judges that every row runs and every setup check passes).");
return 0;
