using AgentHost.Emulators.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentHost.Emulators.Victoria;

/// <summary>
/// Emulates the Victoria agent server (DESIGN §3, following <c>src/agents/bridge/victoria_server.py</c>):
/// <c>GET /health</c>, <c>POST /run?async_mode=false|true</c> with FastAPI's 422 validation, <c>GET /run/status/{task_id}</c>
/// advancing one stage per poll (no timers), <c>POST /plan</c> (plan only, <c>{"plan", "status"}</c>), and newer builds'
/// <c>POST /stream</c> (SSE). Errors use FastAPI's
/// <c>{"detail"}</c>. The answer is <c>"Victoria: " + goal</c> unless <see cref="EmulatorFaults.Answer"/> says otherwise.
/// </summary>
public sealed partial class VictoriaEmulator : BackendEmulator
{
    /// <summary>The agent name <c>/health</c> reports.</summary>
    public const string AgentName = "Виктория";

    /// <summary>What Victoria appends to a polled output it cut.</summary>
    public const string TruncationSuffix = "\n\n[... ответ обрезан ...]";

    /// <inheritdoc />
    public override string Name => "Victoria";

    /// <inheritdoc />
    public override int DefaultPort => 8010;

    /// <summary>Behave like a deployment whose run body is <c>{"prompt"}</c>: a body without <c>prompt</c> (e.g. <c>{"goal"}</c>) gets 422.</summary>
    public bool PromptOnlyDeployment { get; set; }

    /// <summary>Newer builds: answer <c>async_mode=true</c> with 200 and a complete sync reply instead of 202.</summary>
    public bool AsyncAnswersSync { get; set; }

    /// <summary>Forget every task (as after a restart): <c>/run/status/{id}</c> answers 404 <c>task_id not found</c>.</summary>
    public bool LoseTasks { get; set; }

    /// <summary>Where the polled output is cut (8,000 in the current build, 2,000 in older ones).</summary>
    public int TruncateAt { get; set; } = 8000;

    /// <summary>How many polls see the task unfinished (<c>queued</c>, then <c>running</c>) before it completes.</summary>
    public int PollsBeforeDone { get; set; } = 2;

    /// <summary>
    /// Ask back instead of answering: sync <c>/run</c> replies <c>needs_clarification</c> with these questions; an async
    /// task completes with them in <c>knowledge.clarification_questions</c>. Null: answer normally.
    /// </summary>
    public IReadOnlyList<string>? Clarify { get; set; }

    /// <summary>
    /// Fail inside a 200 body (other builds): sync <c>{"status": "error", "error": ...}</c>; an async task ends
    /// <c>failed</c> with this <c>error</c>; <c>/stream</c> sends an <c>error</c> event after <see cref="StreamErrorAfterChunks"/> chunks.
    /// </summary>
    public string? InBodyError { get; set; }

    /// <summary>How many <c>chunk</c> events <c>/stream</c> sends before the <see cref="InBodyError"/> event.</summary>
    public int StreamErrorAfterChunks { get; set; }

    /// <summary>Serve newer builds' <c>POST /stream</c>; when false it answers 404 like the seed's build.</summary>
    public bool StreamRouteEnabled { get; set; }

    /// <summary>The field carrying the sync answer: <c>output</c> (Victoria) or <c>result</c> / <c>response</c> (other builds).</summary>
    public string TextField { get; set; } = "output";

    /// <summary>Replaces the <c>knowledge</c> object of answers (receives the goal); null gives the agent-run route's shape.</summary>
    public Func<string, object>? Knowledge { get; set; }

    /// <summary>How long <c>POST /plan</c> takes to make a plan (Victoria's planner is one LLM call: seconds).</summary>
    public TimeSpan PlanDelay { get; set; }

    /// <inheritdoc />
    protected override void MapRoutes(WebApplication app)
    {
        app.MapGet("/health", HealthAsync);
        app.MapPost("/run", RunAsync);
        app.MapGet("/run/status/{taskId}", (HttpContext c, string taskId) => StatusAsync(c, taskId));
        app.MapPost("/stream", StreamRouteAsync);
        app.MapPost("/plan", PlanAsync);
    }

    /// <summary>
    /// <c>POST /plan</c> as <c>plan_only</c>: <c>{"goal"}</c> (FastAPI's 422 without it; other fields ignored) →
    /// <c>{"plan", "status": "success"}</c>; a failure is 500 <c>{"detail"}</c>. The plan is numbered steps about the goal.
    /// <see cref="PromptOnlyDeployment"/> wants <c>{"prompt"}</c> here too.
    /// </summary>
    private async Task PlanAsync(HttpContext context)
    {
        var goal = await ValidatedGoalAsync(context, PromptOnlyDeployment);
        if (goal is null)
        {
            return;
        }

        var faults = BeginGeneration();
        if (PlanDelay > TimeSpan.Zero)
        {
            await Task.Delay(PlanDelay, context.RequestAborted);
        }

        if (!await PreambleAsync(context, faults))
        {
            return;
        }

        var plan = faults.Answer?.Invoke(goal) ?? $"Plan for: {goal}\n1. Clarify what \"done\" means.\n2. List what is needed.\n3. Do it step by step.\n4. Check the result.";
        await WriteBodyAsync(context, faults, System.Text.Json.JsonSerializer.Serialize(new { plan, status = "success" }, JsonOptions));
    }

    private async Task HealthAsync(HttpContext context)
    {
        if (await HealthPreambleAsync(context))
        {
            await WriteJsonAsync(context, 200, new { status = HealthStatusOr("ok"), agent = AgentName });
        }
    }

    private async Task RunAsync(HttpContext context)
    {
        var asyncMode = VictoriaRequestValidator.ParseBool(context.Request.Query["async_mode"]);
        if (asyncMode is null)
        {
            await Write422Async(context, [VictoriaRequestValidator.Problem(["query", "async_mode"], "value could not be parsed to a boolean", "type_error.bool")]);
            return;
        }

        var goal = await ValidatedGoalAsync(context, PromptOnlyDeployment);
        if (goal is null)
        {
            return;
        }

        var faults = BeginGeneration();
        if (!await PreambleAsync(context, faults))
        {
            return;
        }

        var correlationId = CorrelationId(context);
        if (asyncMode == true && !AsyncAnswersSync)
        {
            var task = CreateTask(goal, correlationId, faults);
            await WriteJsonAsync(context, 202, new
            {
                task_id = task.Id,
                correlation_id = correlationId,
                status_url = $"/run/status/{task.Id}",
                message = "Задача принята, выполняется в фоне. Опрашивайте status_url до status=completed.",
            });
            return;
        }

        await WriteBodyAsync(context, faults, System.Text.Json.JsonSerializer.Serialize(SyncReply(goal, correlationId, faults), JsonOptions));
    }

    private object SyncReply(string goal, string correlationId, RequestFaults faults)
    {
        if (InBodyError is { } error)
        {
            return new { status = "error", error, correlation_id = correlationId };
        }

        if (Clarify is { } questions)
        {
            return new
            {
                status = "needs_clarification",
                correlation_id = correlationId,
                clarification_questions = questions,
                original_goal = goal,
                suggested_restatement = goal,
                knowledge = new { strategy = "need_clarification" },
            };
        }

        return new Dictionary<string, object?>
        {
            ["status"] = "success",
            [TextField] = AnswerFor(goal, faults),
            ["knowledge"] = KnowledgeFor(goal, correlationId),
            ["correlation_id"] = correlationId,
        };
    }

    /// <summary>Honours hang, first-byte delay, status and malformed-body faults. False when they already answered.</summary>
    private async Task<bool> PreambleAsync(HttpContext context, RequestFaults faults)
    {
        if (!await DelayFirstByteAsync(context, faults))
        {
            return false;
        }

        if (faults.StatusCode is { } code)
        {
            await WriteJsonAsync(context, code, new { detail = faults.ErrorMessage ?? "Victoria run failed (emulated)" }, faults.RetryAfter);
            return false;
        }

        if (faults.MalformedBody)
        {
            await WriteBodyAsync(context, faults, MalformedJson);
            return false;
        }

        return true;
    }

    /// <summary>Reads and validates the run body; writes FastAPI's 422 and returns null when it does not validate.</summary>
    private static async Task<string?> ValidatedGoalAsync(HttpContext context, bool promptOnly)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var goal = VictoriaRequestValidator.Validate(body, promptOnly, out var problems);
        if (problems.Count > 0)
        {
            await Write422Async(context, problems);
            return null;
        }

        return goal;
    }

    private static Task Write422Async(HttpContext context, List<object> problems) =>
        WriteJsonAsync(context, 422, new { detail = problems });

    private static string CorrelationId(HttpContext context) =>
        context.Request.Headers["X-Correlation-ID"].ToString().Trim() is { Length: > 0 } id ? id : Guid.NewGuid().ToString();

    private static string AnswerFor(string goal, RequestFaults faults) => faults.Answer?.Invoke(goal) ?? "Victoria: " + goal;

    private object KnowledgeFor(string goal, string correlationId) => Knowledge?.Invoke(goal) ?? new
    {
        project_context = "atra-web-ide",
        metadata = new { model_used = "victoria-emulator", source = "local", correlation_id = correlationId },
        execution_trace = new
        {
            task_type = "general",
            use_enhanced = false,
            routed_to = "agent_run",
            delegated_to = (string?)null,
            method = "victoria-emulator",
            correlation_id = correlationId,
            goal_preview = goal.Length > 120 ? goal[..120] : goal,
        },
    };
}
