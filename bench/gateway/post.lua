-- wrk script of the gateway load run (bench/gateway/run.sh): POSTs one chat completion per request and prints a
-- JSON summary line (prefix WRKJSON) that GatewayBench's report reads.
--   BENCH_LABEL  the row's name (e.g. "serve c=64")
--   BENCH_HEADER one extra request header, "name: value" (Portkey's x-portkey-config)
--   BENCH_MODEL  the request's "model" (default canned-model, the backend's own model as an OpenAI client would name it)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"' .. (os.getenv("BENCH_MODEL") or "canned-model") .. '","messages":[{"role":"user","content":"Say the canned answer."}]}'

local extra = os.getenv("BENCH_HEADER")
if extra ~= nil and extra ~= "" then
  local name, value = extra:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"label":"%s","requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    os.getenv("BENCH_LABEL") or "?", summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
