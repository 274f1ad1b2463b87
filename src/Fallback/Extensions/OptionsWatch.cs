using AgentHost.Backends;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Core;

/// <summary>
/// Lets <see cref="FallbackBackend"/> cache a backend's options: subscribes to the <see cref="IOptionsMonitor{TOptions}"/>
/// of the options' own type, when the descriptor's options are that monitor's (the <c>AddBackendOptions</c> case).
/// Any other descriptor gets no watch, and its options are read on every use as before.
/// </summary>
internal static class OptionsWatch
{
    private interface IWatcher
    {
        IDisposable? Start(IServiceProvider services, string name, BackendOptions options, Action changed);
    }

    /// <summary>The subscription (keep it alive), or <see langword="null"/> when the options cannot be watched.</summary>
    public static IDisposable? TryStart(IServiceProvider services, string name, BackendOptions options, Action changed)
    {
        try
        {
            var watcher = (IWatcher)Activator.CreateInstance(typeof(Watcher<>).MakeGenericType(options.GetType()))!;
            return watcher.Start(services, name, options, changed);
        }
        catch (Exception)
        {
            // The options type has no monitor or cannot be watched (no IOptionsMonitor<T>, a type that is not BackendOptions'
            // own): no watch, and the options are read on every use, which is correct, only slower.
            return null;
        }
    }

    private sealed class Watcher<T> : IWatcher
        where T : BackendOptions
    {
        public IDisposable? Start(IServiceProvider services, string name, BackendOptions options, Action changed)
        {
            if (services.GetService<IOptionsMonitor<T>>() is not { } monitor)
            {
                return null;
            }

            // Subscribed first, then compared: a change in between shows as a different instance, and nothing is cached.
            var subscription = monitor.OnChange((_, _) => changed());
            if (subscription is not null && ReferenceEquals(monitor.Get(name), options))
            {
                return subscription;
            }

            subscription?.Dispose();
            return null;
        }
    }
}
