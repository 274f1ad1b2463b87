using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentHost.Bench.Gateway;

/// <summary>
/// Streams <c>--requests</c> chat completions one after another (concurrency 1) and measures, per request, the time to
/// the first content chunk and when every later chunk arrived. Prints one JSON line (prefix <c>STREAMJSON </c>) with
/// percentiles, whether every answer was whole (all text, then <c>[DONE]</c>) and how evenly the chunks were spaced
/// compared with <c>--expect-gap-ms</c> (the backend's pacing): a gateway that buffers shows gaps near 0.
/// </summary>
internal static class StreamProbe
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var url = new Uri(options.Required("url"));
        var requests = Math.Max(1, options.Int("requests", 200));
        var warmup = options.Int("warmup", Math.Min(50, requests));
        var expectGap = options.Int("expect-gap-ms", 0);
        var label = options.Get("label") ?? url.Authority;
        var expected = options.Get("expect-text") ?? CannedBackend.Answer;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var body = """{"model":"canned-model","stream":true,"messages":[{"role":"user","content":"Say the canned answer."}]}""";

        var ttft = new List<double>();
        var total = new List<double>();
        var gapDeviation = new List<double>();
        var spreads = new List<double>();
        var chunks = 0;
        var failures = new List<string>();
        for (var i = 0; i < warmup + requests; i++)
        {
            var sample = await OneAsync(http, url, body, options.All("header"));
            if (i < warmup)
            {
                continue;
            }

            if (sample.Failure is not null || sample.Text != expected || !sample.Done)
            {
                failures.Add(sample.Failure ?? (sample.Done ? $"text was '{sample.Text}'" : $"no [DONE] after '{sample.Text}'"));
                continue;
            }

            ttft.Add(sample.ContentTimes[0]);
            total.Add(sample.TotalMs);
            chunks = sample.ContentTimes.Count;
            spreads.Add(sample.ContentTimes[^1] - sample.ContentTimes[0]);
            if (expectGap > 0)
            {
                for (var k = 1; k < sample.ContentTimes.Count; k++)
                {
                    gapDeviation.Add(Math.Abs(sample.ContentTimes[k] - sample.ContentTimes[k - 1] - expectGap));
                }
            }
        }

        var line = JsonSerializer.Serialize(new
        {
            label,
            requests,
            ok = ttft.Count,
            failed = failures.Count,
            first_failure = failures.FirstOrDefault(),
            ttft_p50_us = Percentile(ttft, 50) * 1000,
            ttft_p99_us = Percentile(ttft, 99) * 1000,
            total_p50_us = Percentile(total, 50) * 1000,
            content_chunks = chunks,
            expect_gap_ms = expectGap,
            spread_p50_ms = Percentile(spreads, 50),
            gap_deviation_p50_ms = Percentile(gapDeviation, 50),
            gap_deviation_max_ms = gapDeviation.Count == 0 ? 0 : gapDeviation.Max(),
        });
        Console.WriteLine("STREAMJSON " + line);
        return failures.Count == 0 ? 0 : 1;
    }

    private sealed record Sample(List<double> ContentTimes, double TotalMs, string Text, bool Done, string? Failure);

    private static async Task<Sample> OneAsync(HttpClient http, Uri url, string body, IReadOnlyList<string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }

        var times = new List<double>();
        var text = new StringBuilder();
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                var error = await response.Content.ReadAsStringAsync();
                return new Sample(times, 0, "", false, $"HTTP {(int)response.StatusCode}: {Truncate(error)}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16 * 1024];
            var pending = new StringBuilder();
            var done = false;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                var now = clock.Elapsed.TotalMilliseconds;
                pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var all = pending.ToString();
                int end;
                while ((end = all.IndexOf("\n\n", StringComparison.Ordinal)) >= 0)
                {
                    var evt = all[..end];
                    all = all[(end + 2)..];
                    foreach (var data in evt.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
                    {
                        if (data == "[DONE]")
                        {
                            done = true;
                            continue;
                        }

                        var delta = Content(data, out var error);
                        if (error is not null)
                        {
                            return new Sample(times, 0, text.ToString(), false, $"error event: {Truncate(error)}");
                        }

                        if (!string.IsNullOrEmpty(delta))
                        {
                            times.Add(now);
                            text.Append(delta);
                        }
                    }
                }

                pending.Clear().Append(all);
            }

            return new Sample(times, clock.Elapsed.TotalMilliseconds, text.ToString(), done, times.Count == 0 ? "no content" : null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return new Sample(times, 0, text.ToString(), false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static string? Content(string json, out string? error)
    {
        error = null;
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var e))
        {
            error = e.ToString();
            return null;
        }

        if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
            && content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
