using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentHost.Backends;
using Microsoft.Extensions.Logging;

namespace AgentHost.Connectors.Victoria.Core;

/// <summary>
/// Victoria's HTTP protocol: <c>POST /run</c> (sync, or async with polling of <c>/run/status/{task_id}</c>) and
/// <c>POST /stream</c>. No retry, fallback or health policy: the only second request is the documented 422 → <c>{"prompt"}</c>.
/// </summary>
/// <remarks>Each call is given the options in force for it, so a reloaded endpoint or mode is used by the next call.</remarks>
internal sealed class VictoriaClient(Func<HttpClient> httpClient, string backend, TimeProvider timeProvider, ILogger logger)
{
    public string Backend => backend;

    /// <summary>Runs a goal and returns Victoria's final answer.</summary>
    /// <remarks>Bodies are read after the headers, so a connection dropped mid-body is reported as a cut reply, not as a connect failure.</remarks>
    public async Task<VictoriaReply> RunAsync(VictoriaRunRequest request, VictoriaOptions options, CancellationToken cancellationToken)
    {
        var http = httpClient();
        var path = options.Mode == VictoriaRunMode.Async ? "run?async_mode=true" : "run?async_mode=false";
        using var response = await PostAsync(http, options, path, request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, body);

        var root = VictoriaReplyReader.ParseObject(body, backend);
        var reply = VictoriaReplyReader.AcceptedTaskId(root) is { } taskId
            ? await PollAsync(http, options, taskId, cancellationToken).ConfigureAwait(false)
            : VictoriaReplyReader.ToReply(root, backend);
        VictoriaLog.Answered(logger, backend, reply.Text.Length, reply.Metadata.GetValueOrDefault(VictoriaMetadataKeys.Status) as string, reply.Metadata[VictoriaMetadataKeys.Truncated] is true);
        return reply;
    }

    /// <summary>
    /// Asks for a plan without executing anything: <c>POST /plan {"goal", "project_context"}</c> →
    /// <c>{"plan", "status": "success"}</c>; the plan's text is the answer. Failures (500 <c>{"detail"}</c>, 422) as for <c>/run</c>.
    /// </summary>
    public async Task<VictoriaReply> PlanAsync(VictoriaRunRequest request, VictoriaOptions options, CancellationToken cancellationToken)
    {
        VictoriaLog.Sending(logger, backend, "plan", request.Goal.Length, 0);
        var json = JsonSerializer.Serialize(new VictoriaPlanRequest(request.Goal, request.ProjectContext), VictoriaJsonContext.Default.VictoriaPlanRequest);
        using var response = await PostAsync(httpClient(), options, "plan", json, request.Goal, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, body);
        var reply = VictoriaReplyReader.ToReply(VictoriaReplyReader.ParseObject(body, backend), backend);
        VictoriaLog.Answered(logger, backend, reply.Text.Length, reply.Metadata.GetValueOrDefault(VictoriaMetadataKeys.Status) as string, false);
        return reply;
    }

    /// <summary>Sends a run to <c>POST /stream</c> and returns the response once its headers arrived (non-2xx already thrown).</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(VictoriaRunRequest request, VictoriaOptions options, CancellationToken cancellationToken)
    {
        var response = await PostAsync(httpClient(), options, "stream", request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
                EnsureSuccess(response, body);
            }
        }

        return response;
    }

    private async Task<VictoriaReply> PollAsync(HttpClient http, VictoriaOptions options, string taskId, CancellationToken cancellationToken)
    {
        VictoriaLog.TaskAccepted(logger, backend, taskId, options.PollInterval);
        var started = timeProvider.GetTimestamp();
        var status = "queued";
        while (true)
        {
            if (timeProvider.GetElapsedTime(started) >= options.PollTimeout)
            {
                throw new TimeoutException($"{backend}: task {taskId} did not finish within {options.PollTimeout} (last status '{status}').");
            }

            await Task.Delay(options.PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            using var response = await http.GetAsync(Url(options, $"run/status/{Uri.EscapeDataString(taskId)}"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var detail = BackendErrorText.FromBody(body);
                throw new BackendHttpOperationException(backend, response.StatusCode, $"task {taskId} was lost ({detail ?? "not found"}); the server may have restarted.", body, null);
            }

            EnsureSuccess(response, body);
            var root = VictoriaReplyReader.ParseObject(body, backend);
            status = VictoriaReplyReader.Status(root) ?? "unknown";
            VictoriaLog.TaskPolled(logger, backend, taskId, status);
            if (VictoriaReplyReader.IsFinal(status))
            {
                return VictoriaReplyReader.ToReply(root, backend, taskId);
            }
        }
    }

    private Task<HttpResponseMessage> PostAsync(
        HttpClient http, VictoriaOptions options, string path, VictoriaRunRequest request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        VictoriaLog.Sending(logger, backend, path, request.Goal.Length, request.ChatHistory?.Count ?? 0);
        return PostAsync(http, options, path, JsonSerializer.Serialize(request, VictoriaJsonContext.Default.VictoriaRunRequest), request.Goal, completion, cancellationToken);
    }

    /// <summary>Posts <paramref name="json"/>; a 422 (the body did not validate) is sent once more as <c>{"prompt": goal}</c>.</summary>
    private async Task<HttpResponseMessage> PostAsync(
        HttpClient http, VictoriaOptions options, string path, string json, string goal, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var url = Url(options, path);
        var response = await SendAsync(http, url, json, completion, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.UnprocessableEntity)
        {
            return response;
        }

        response.Dispose();
        VictoriaLog.RetryingWithPrompt(logger, backend);
        var prompt = JsonSerializer.Serialize(new VictoriaPromptRequest(goal), VictoriaJsonContext.Default.VictoriaPromptRequest);
        return await SendAsync(http, url, prompt, completion, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Uri url, string json, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (Activity.Current is { } activity && activity.TraceId != default)
        {
            message.Headers.TryAddWithoutValidation("X-Correlation-ID", activity.TraceId.ToHexString());
        }

        return await http.SendAsync(message, completion, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new BackendResponseException(backend, BackendResponseProblem.Truncated, "the connection dropped before the reply was complete.", innerException: e);
        }
    }

    private void EnsureSuccess(HttpResponseMessage response, string body)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var error = BackendHttpOperationException.FromResponse(backend, response, body, timeProvider);
        VictoriaLog.Failed(logger, backend, (int)response.StatusCode, error.ServerError);
        throw error;
    }

    /// <summary>An absolute URL under the endpoint in force for this call, keeping any path prefix the endpoint has.</summary>
    private static Uri Url(VictoriaOptions options, string relative) => BackendEndpoint.Resolve(options.EndpointUri, relative);
}
