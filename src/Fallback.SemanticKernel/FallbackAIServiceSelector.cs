using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentHost.Fallback;

/// <summary>
/// Picks the chain for SK functions. A prompt config whose service id names a service registered under that key still
/// gets it; any other service id or model id (written for some other provider) reaches the chain instead of failing
/// with "no service found". The settings chosen are the named service's, else the default ones, else the first.
/// </summary>
public sealed class FallbackAIServiceSelector : IAIServiceSelector, IChatClientSelector
{
    private readonly FallbackChatCompletionService _service;
    private readonly FallbackChatClient _chain;

    /// <summary>Creates the selector.</summary>
    public FallbackAIServiceSelector(FallbackChatCompletionService service, FallbackChatClient chain)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(chain);
        _service = service;
        _chain = chain;
    }

    /// <inheritdoc />
    public bool TrySelectAIService<T>(Kernel kernel, KernelFunction function, KernelArguments arguments,
        [NotNullWhen(true)] out T? service, out PromptExecutionSettings? serviceSettings) where T : class, Microsoft.SemanticKernel.Services.IAIService =>
        TrySelect(kernel, function, arguments, _service as T, out service, out serviceSettings);

    /// <inheritdoc />
    public bool TrySelectChatClient<T>(Kernel kernel, KernelFunction function, KernelArguments arguments,
        [NotNullWhen(true)] out T? service, out PromptExecutionSettings? serviceSettings) where T : class, IChatClient =>
        TrySelect(kernel, function, arguments, _chain as T, out service, out serviceSettings);

    private static bool TrySelect<T>(Kernel kernel, KernelFunction function, KernelArguments arguments, T? chain,
        [NotNullWhen(true)] out T? service, out PromptExecutionSettings? serviceSettings) where T : class
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(arguments);
        var all = arguments.ExecutionSettings ?? function?.ExecutionSettings;
        serviceSettings = null;
        if (all is { Count: > 0 })
        {
            foreach (var (serviceId, settings) in all)
            {
                if (!string.IsNullOrEmpty(serviceId) && serviceId != PromptExecutionSettings.DefaultServiceId
                    && (kernel.Services as IKeyedServiceProvider)?.GetKeyedService<T>(serviceId) is { } named)
                {
                    service = named;
                    serviceSettings = settings;
                    return true;
                }
            }

            serviceSettings = all.TryGetValue(PromptExecutionSettings.DefaultServiceId, out var defaults) ? defaults : all.Values.First();
        }

        service = chain ?? (typeof(T) == typeof(IChatCompletionService) ? null : kernel.Services.GetService<T>());
        return service is not null;
    }
}
