using AgentHost.Backends;
using Microsoft.Extensions.Options;

namespace AgentHost.Fallback.Core;

/// <summary>Checks routes, rules and semantic routing at start: one readable line per problem (unknown backend or route, bad regular expression, empty order, ...).</summary>
internal sealed class FallbackRoutingOptionsValidator(IEnumerable<BackendDescriptor> descriptors, IOptions<FallbackOptions> fallback) : IValidateOptions<FallbackRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, FallbackRoutingOptions options)
    {
        var errors = new List<string>();
        RouteTable.Build(fallback.Value, options, descriptors.DistinctBy(d => d.Name, StringComparer.OrdinalIgnoreCase).ToList(), errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
