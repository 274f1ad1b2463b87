using AgentHost.Backends;
using AgentHost.Connectors.Embedded.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentHost.Connectors.Embedded.Tests.Core;

/// <summary>The weights' life: loaded lazily and once, shared by parallel requests, unloaded when idle (fake clock).</summary>
public sealed class EmbeddedModelTests
{
    private static readonly ChatMessage[] Hi = [new(ChatRole.User, "hi")];

    [Fact]
    public async Task The_weights_are_loaded_on_the_first_request_not_before()
    {
        using var services = TinyModel.Services();
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        var model = services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded);
        Assert.False(model.IsLoaded);

        await chat.GetResponseAsync(Hi);
        await chat.GetResponseAsync(Hi);

        Assert.True(model.IsLoaded);
        Assert.Equal(1, model.LoadCount);
    }

    [Fact]
    public async Task Parallel_requests_load_the_weights_once_and_do_not_disturb_each_other()
    {
        using var services = TinyModel.Services(o => o.MaxConcurrentRequests = 4);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        var model = services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded);
        var options = new ChatOptions { Seed = 11, Temperature = 0.9f };

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => chat.GetResponseAsync(Hi, options))));
        var alone = await chat.GetResponseAsync(Hi, options);

        Assert.Equal(1, model.LoadCount);
        Assert.All(answers, a => Assert.Equal(alone.Text, a.Text)); // same seed, same text: no request saw another's state
        Assert.All(answers, a => Assert.Equal(24, a.Usage?.OutputTokenCount));
    }

    [Fact]
    public async Task Idle_weights_are_unloaded_after_the_idle_time_and_reloaded_on_the_next_request()
    {
        var time = new FakeTimeProvider();
        using var services = TinyModel.Services(o => o.IdleUnloadAfter = TimeSpan.FromMinutes(5), time);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        var model = services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded);

        await chat.GetResponseAsync(Hi);
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(model.IsLoaded);

        await chat.GetResponseAsync(Hi); // a request restarts the idle clock
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(model.IsLoaded);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(model.IsLoaded);

        var again = await chat.GetResponseAsync(Hi);
        Assert.False(string.IsNullOrEmpty(again.Text));
        Assert.Equal(2, model.LoadCount);
    }

    [Fact]
    public async Task Weights_in_use_are_not_unloaded_while_a_stream_is_open()
    {
        var time = new FakeTimeProvider();
        using var services = TinyModel.Services(o => o.IdleUnloadAfter = TimeSpan.FromSeconds(30), time);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        var model = services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded);

        var count = 0;
        await foreach (var update in chat.GetStreamingResponseAsync(Hi))
        {
            if (count++ == 0)
            {
                time.Advance(TimeSpan.FromHours(1)); // mid-stream: nothing is idle
            }
        }

        Assert.True(model.IsLoaded);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(model.IsLoaded);
    }

    [Fact]
    public async Task Zero_idle_time_keeps_the_weights_loaded()
    {
        var time = new FakeTimeProvider();
        using var services = TinyModel.Services(o => o.IdleUnloadAfter = TimeSpan.Zero, time);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);

        await chat.GetResponseAsync(Hi);
        time.Advance(TimeSpan.FromDays(1));

        Assert.True(services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded).IsLoaded);
    }

    [Fact]
    public async Task A_file_that_cannot_be_loaded_fails_the_request_with_the_reason_and_is_retried_next_time()
    {
        var path = TinyModel.CopyToTemp();
        using var services = TinyModel.Services(o => o.ModelPath = path);
        var chat = services.GetRequiredKeyedService<IChatClient>(BackendNames.Embedded);
        var model = services.GetRequiredKeyedService<EmbeddedModel>(BackendNames.Embedded);
        _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<EmbeddedBackendOptions>>().Get(BackendNames.Embedded);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..4096]); // damaged after the start-up check

        var error = await Assert.ThrowsAsync<BackendResponseException>(() => chat.GetResponseAsync(Hi));
        Assert.Contains("cannot load model tiny-llama.gguf", error.Message);
        Assert.False(model.IsLoaded);

        File.Copy(TinyModel.Path, path, overwrite: true);
        var answer = await chat.GetResponseAsync(Hi);
        Assert.False(string.IsNullOrEmpty(answer.Text));
    }
}
