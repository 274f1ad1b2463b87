using System.Text.Json;
using AgentHost.Cli;
using AgentHost.Fallback;
using AgentHost.Prompts;
using Microsoft.Extensions.Options;

namespace AgentHost.Http;

/// <summary>
/// The prompt-template routes of the HTTP service: <c>GET /prompts</c> lists them; <c>POST /prompts/{name}</c> runs one with a
/// JSON object of arguments (strings, numbers, booleans) and answers <c>{"text","backend","model","route","chosenBy","attempts"}</c>
/// with the <c>x-agent-backend</c> and <c>x-agent-route</c> headers. The query parameter <c>?model=</c> names a route or a
/// served model, as the OpenAI <c>model</c> field does (the body stays the template's arguments, so a variable called
/// <c>model</c> never collides). Refusals use OpenAI's error body <c>{"error":{"message","type","param","code"}}</c>:
/// 404 for an unknown prompt (the message lists what exists), 400 for a bad name, bad JSON, a missing/unknown argument,
/// or an unknown <c>model</c> (<c>model_not_found</c>, listing the routes and models).
/// </summary>
internal static class PromptEndpoints
{
    private static readonly JsonSerializerOptions ListJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Maps <c>GET /prompts</c> (the list) and <c>POST /prompts/{name}</c> (runs a prompt with JSON arguments).</summary>
    public static IEndpointRouteBuilder MapPromptEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/prompts", (PromptLibrary library) => Results.Json(new
        {
            prompts = library.Prompts.Select(p => new
            {
                name = p.Name,
                description = p.Description,
                function = $"{PromptLibrary.PluginName}.{p.FunctionName}",
                variables = p.Variables.Select(v => new { name = v.Name, description = v.Description, @default = v.Default, required = v.IsRequired }),
            }),
            errors = library.LoadErrors.Select(e => new { source = e.Source, message = e.Message }),
        }, ListJson));
        endpoints.MapPost("/prompts/{name}", RunAsync).RequireRateLimiting(RateLimitServiceExtensions.ModelCallsPolicy);
        return endpoints;
    }

    private static async Task RunAsync(HttpContext context, string name, PromptLibrary library, FallbackRouter router, IOptions<HttpServiceOptions> options)
    {
        var cancellationToken = context.RequestAborted;
        PreparedPrompt prepared;
        try
        {
            prepared = library.Prepare(name, await ReadArgumentsAsync(context.Request, cancellationToken));
            var model = context.Request.Query["model"].ToString();
            if (!ChatCompletionsEndpoint.IsChain(model, options.Value.ChainModelId))
            {
                var decision = await ChatCompletionsEndpoint.ResolveAsync(router, model, cancellationToken);
                prepared = PromptLibrary.WithRoute(prepared, Routing.RouteChoice.ForName(model, decision));
            }
        }
        catch (OpenAIRequestException e)
        {
            await WriteErrorAsync(context, e.StatusCode, e.Message, e.Type, e.Param, e.Code);
            return;
        }
        catch (PromptException e)
        {
            var status = e.Code switch
            {
                PromptException.NotFound => StatusCodes.Status404NotFound,
                PromptException.FunctionMissing => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status400BadRequest,
            };
            await WriteErrorAsync(context, status, e.Message, "invalid_request_error", e.Param, e.Code);
            return;
        }

        try
        {
            var answer = await library.RunAsync(prepared, cancellationToken);
            if (answer.Report?.Backend is { } backend)
            {
                context.Response.Headers[ChatCompletionsEndpoint.BackendHeader] = backend;
            }

            RouteHeader.Set(context.Response, answer.Report);

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(AnswerJson.Serialize(answer.Text, answer.Report), cancellationToken);
        }
        catch (FallbackExhaustedException e)
        {
            RouteHeader.Set(context.Response, e.Report);
            await WriteErrorAsync(context, StatusCodes.Status502BadGateway, e.Message, "api_error", null, "no_backend_answered");
        }
    }

    /// <summary>The body's JSON object as template arguments; an empty body is no arguments.</summary>
    private static async Task<Dictionary<string, string?>> ReadArgumentsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return arguments;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw new PromptException(PromptException.InvalidArgument, $"The body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PromptException(PromptException.InvalidArgument,
                    """The body must be a JSON object of arguments, e.g. {"input": "...", "language": "French"}.""");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                arguments[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => ReadString(property),
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => null,
                    _ => throw new PromptException(PromptException.InvalidArgument,
                        $"Argument '{property.Name}' must be a string, number or boolean, not {property.Value.ValueKind.ToString().ToLowerInvariant()}.", property.Name),
                };
            }
        }

        return arguments;
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? param, string? code)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = new { message, type, param, code } }, context.RequestAborted);
    }

    // JsonDocument checks UTF-8 inside strings only when they are read: invalid bytes are the caller's error, not ours.
    private static string? ReadString(JsonProperty property)
    {
        try
        {
            return property.Value.GetString();
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            throw new PromptException(PromptException.InvalidArgument, $"Argument '{property.Name}' is not valid UTF-8 text.", property.Name);
        }
    }
}
