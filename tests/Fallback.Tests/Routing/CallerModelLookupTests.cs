using System.Runtime.CompilerServices;
using AgentHost.Backends;
using AgentHost.Fallback.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Moq;

namespace AgentHost.Fallback.Tests.Routing;

/// <summary>
/// A model the caller names (the OpenAI <c>model</c> field, <c>--model</c>) is looked up in the configured models once,
/// then again only when a backend's options change; a name repeated costs a lookup, and names from callers cannot grow memory.
/// </summary>
public sealed class CallerModelLookupTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task A_backend_model_changed_by_a_configuration_reload_is_resolvable_on_the_next_call_and_the_old_one_no_longer_routes_there()
    {
        var config = ReloadableBackends.Configuration();
        var a = new FakeChatClient("A").Answers("from A");
        var services = new ServiceCollection().AddLogging();
        ReloadableBackends.Register(services, config, "A", a);
        ReloadableBackends.Register(services, config, "B", new FakeChatClient("B").Answers("from B"));
        services.AddFallbackChatCompletion(o =>
        {
            o.Order = ["A", "B"];
            o.Health.ProbeInterval = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();
        var chain = provider.GetRequiredService<FallbackChatClient>();

        var before = await chain.Router.ResolveAsync("a-model");
        var again = await chain.Router.ResolveAsync("a-model");
        config["A:Model"] = "a-model-2";
        config.Reload();
        var changed = await chain.GetResponseAsync(Hello, new ChatOptions().WithFallbackModel("a-model-2"));
        var old = await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => chain.Router.ResolveAsync("a-model").AsTask());
        config["A:Enabled"] = "false";
        config.Reload();
        var disabled = await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => chain.Router.ResolveAsync("a-model-2").AsTask());

        Assert.Equal(["A"], before.Route.Order);
        Assert.Same(before, again);
        Assert.Equal("from A", changed.Text);
        Assert.Equal("a-model-2", a.Received[^1].Options!.ModelId);
        Assert.Equal("'a-model' is neither a route nor a model any backend serves. Routes: default. Models: a-model-2, b-model.", old.Message);
        Assert.Equal("'a-model-2' is neither a route nor a model any backend serves. Routes: default. Models: b-model.", disabled.Message);
    }

    [Fact]
    public async Task A_backend_model_changed_in_options_that_cannot_be_watched_is_resolvable_on_the_next_call()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _);

        var before = await h.Client.Router.ResolveAsync("llama3.2");
        h.Options["Ollama"].Model = "llama3.3";
        var after = await h.Client.Router.ResolveAsync("llama3.3");

        Assert.Equal(["Ollama"], before.Route.Order);
        Assert.Equal(("llama3.3", "llama3.3"), (after.Route.Name, after.ModelFor("Ollama")));
        await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => h.Client.Router.ResolveAsync("llama3.2").AsTask());
    }

    [Fact]
    public async Task A_repeated_model_name_is_a_lookup_without_allocation()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _);
        var router = h.Client.Router;
        var first = await router.ResolveAsync(null, "llama3.2");
        var onRoute = await router.ResolveAsync("local", "llama3.2");

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(first, await router.ResolveAsync(null, "llama3.2"));
            Assert.Same(onRoute, await router.ResolveAsync("local", "llama3.2"));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - allocated);
        Assert.Equal("local/llama3.2", onRoute.Route.Name);
        Assert.Equal(["Ollama"], onRoute.Route.Order);
    }

    [Fact]
    public async Task Thousands_of_distinct_names_from_callers_get_correct_answers_and_are_not_all_kept()
    {
        await using var h = RouteChoiceTests.ThreeBackends(out _, out _, out _);
        var router = h.Client.Router;
        var spellings = Spellings("llama3.2:latest").Take(2000).ToList(); // each the configured llama3.2, as Ollama spells it

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var name in spellings)
            {
                var decision = await router.ResolveAsync(null, name);
                Assert.Equal((name, "Ollama", name), (decision.Route.Name, Assert.Single(decision.Route.Order), decision.ModelFor("Ollama")));
            }
        }

        for (var i = 0; i < 2000; i++)
        {
            await Assert.ThrowsAsync<FallbackRouteNotFoundException>(() => router.ResolveAsync(null, $"unknown-{i}").AsTask());
        }

        var kept = new List<WeakReference>();
        foreach (var name in spellings)
        {
            kept.Add(await ResolvedAsync(router, name));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var alive = kept.Count(w => w.IsAlive);
        Assert.InRange(alive, 1, 1024); // the first names are kept; past the bound a decision is made again each time
        Assert.Equal(["Ollama"], (await router.ResolveAsync(null, "llama3.2")).Route.Order);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> ResolvedAsync(FallbackRouter router, string name) => new(await router.ResolveAsync(null, name));

    /// <summary>Distinct spellings of <paramref name="name"/> that differ only in the case of its letters.</summary>
    private static IEnumerable<string> Spellings(string name)
    {
        var letters = name.Select((c, i) => (c, i)).Where(x => char.IsLetter(x.c)).Select(x => x.i).ToArray();
        for (long mask = 0; mask < 1L << letters.Length; mask++)
        {
            var chars = name.ToCharArray();
            for (var bit = 0; bit < letters.Length; bit++)
            {
                if ((mask & (1L << bit)) != 0)
                {
                    chars[letters[bit]] = char.ToUpperInvariant(chars[letters[bit]]);
                }
            }

            yield return new string(chars);
        }
    }

}
