using System.Text.Json;
using AgentHost.Conversations;

namespace AgentHost.Http;

/// <summary>
/// <c>GET /v1/conversations</c> (newest first), <c>GET /v1/conversations/{id}</c> (its messages) and
/// <c>DELETE /v1/conversations/{id}</c>: the turns chat requests recorded with <see cref="ConversationRecorder.IdHeader"/>.
/// Behind the API key like every <c>/v1</c> route; errors in OpenAI's shape (400 bad id, 404 unknown, 503 store down).
/// </summary>
internal static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/conversations", ListAsync);
        app.MapGet("/v1/conversations/{id}", GetAsync);
        app.MapDelete("/v1/conversations/{id}", DeleteAsync);
        return app;
    }

    private static Task ListAsync(HttpContext context) => WithStoreAsync(context, null, async store =>
    {
        var list = await store.ListAsync(cancellationToken: context.RequestAborted);
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var c in list)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("title", c.Title);
                w.WriteString("updated_at", c.UpdatedAt);
                w.WriteNumber("turns", c.Turns);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    });

    private static Task GetAsync(HttpContext context, string id) => WithStoreAsync(context, id, async store =>
    {
        if (await store.GetAsync(id, context.RequestAborted) is not { } conversation)
        {
            await NotFoundAsync(context, id);
            return;
        }

        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", conversation.Id);
            w.WriteString("object", "conversation");
            w.WriteString("title", conversation.Title);
            w.WriteString("created_at", conversation.CreatedAt);
            w.WriteString("updated_at", conversation.UpdatedAt);
            w.WriteStartArray("messages");
            foreach (var m in conversation.Messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Text);
                w.WriteString("backend", m.Backend);
                w.WriteString("model", m.Model);
                w.WriteString("status", m.Status.ToName());
                if (m.Error is not null)
                {
                    w.WriteString("error", m.Error);
                }

                w.WriteString("created_at", m.CreatedAt);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    });

    private static Task DeleteAsync(HttpContext context, string id) => WithStoreAsync(context, id, async store =>
    {
        if (!await store.DeleteAsync(id, context.RequestAborted))
        {
            await NotFoundAsync(context, id);
            return;
        }

        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "conversation.deleted");
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        });
    });

    /// <summary>Checks <paramref name="id"/> (400 when invalid), then runs <paramref name="work"/>; a store failure is a 503.</summary>
    private static async Task WithStoreAsync(HttpContext context, string? id, Func<IConversationStore, Task> work)
    {
        var logger = context.RequestServices.GetRequiredService<ILogger<ConversationRecorder>>();
        if (id is not null && ConversationId.Problem(id) is { } problem)
        {
            logger.Refused(context.Request.Method, context.Request.Path, 400, problem);
            await OpenAIError.WriteAsync(context, StatusCodes.Status400BadRequest, problem, OpenAIError.InvalidRequest, "id", "invalid_conversation_id");
            return;
        }

        try
        {
            await work(context.RequestServices.GetRequiredService<IConversationStore>());
        }
        catch (ConversationStoreException e)
        {
            logger.StoreUnavailable(context.Request.Method, context.Request.Path, e.Message);
            await OpenAIError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, e.Message, OpenAIError.ApiError, null, "storage_unavailable");
        }
    }

    private static Task NotFoundAsync(HttpContext context, string id) =>
        OpenAIError.WriteAsync(context, StatusCodes.Status404NotFound, $"No conversation '{id}'.", OpenAIError.InvalidRequest, "id", "conversation_not_found");

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        write(writer);
    }
}
