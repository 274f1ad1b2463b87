#!/usr/bin/env bash
# The gateway load run (issue 9 part 2), in one command:
#   bench/gateway/run.sh [--smoke] [--strict] [--variants] [--out DIR]
# Starts, all on 127.0.0.1: a canned OpenAI-shaped backend (GatewayBench backend), a bare ASP.NET forwarder over it
# (GatewayBench forward: the floor of any .NET gateway), agent-host `serve` over it (MLX
# connector with Protocol=OpenAI; Ollama/Victoria off), Portkey's gateway 1.15.2 over it, and the same two with a first
# backend that refuses connections; drives each with wrk at concurrency 1, 16 and 64; probes streaming time to first
# token and chunk pacing (direct and through serve; Portkey's streaming fails on Node here, recorded once); samples
# serve's memory; writes report.md (the tables of bench/RESULTS.md) into the output folder.
# --smoke: every step for about a second (CI; no goal measured). --strict: exit 1 when a goal is missed or not
# measured too (not only on errors or a missing row).
# --variants: also serve with one hot-path cost taken away at a time (logging, per-request model lookup, server GC),
# to show what each is worth (the profile behind a missed goal).
# Every process this script starts is stopped on exit (trap), by its own pid.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

smoke=0 strict="" variants=0
out="$here/out/$(date -u +%Y%m%dT%H%M%SZ)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --strict) strict="--strict" ;;
    --variants) variants=1 ;;
    --out) out="$2"; shift ;;
    *) echo "usage: $0 [--smoke] [--strict] [--variants] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
if [[ $smoke == 1 ]]; then
  duration=1s warmup=1s streams=20 paced_streams=5 stream_warmup=5
else
  duration=10s warmup=3s streams=500 paced_streams=100 stream_warmup=50
fi
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Ports (loopback only). "refused" is a port nothing listens on.
p_canned=19101 p_paced=19102 p_refused=19109 p_serve=19201 p_serve_fo=19202 p_serve_paced=19203 p_portkey=18787 p_forward=19204 p_serve_nm=19205

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

log() { printf '[gateway %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# --- what the run needs ------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  if [[ $(id -u) == 0 ]]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else sudo apt-get install -y wrk >/dev/null; fi
fi
command -v wrk >/dev/null || die "wrk is not installed and could not be installed"
command -v node >/dev/null || die "node is needed for Portkey's gateway"
if [[ ! -f "$here/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
  log "npm ci (Portkey gateway 1.15.2) into bench/gateway"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

lock=()
if command -v flock >/dev/null; then lock=(flock /tmp/agent-build.lock); fi
log "building Release: src/AgentHost, bench/gateway/GatewayBench"
"${lock[@]}" dotnet build -c Release src/AgentHost -v q -nologo >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; die "build of src/AgentHost"; }
"${lock[@]}" dotnet build -c Release bench/gateway/GatewayBench -v q -nologo >>"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; die "build of GatewayBench"; }
host_dll="$root/src/AgentHost/bin/Release/net10.0/AgentHost.dll"
bench="$here/GatewayBench/bin/Release/net10.0/GatewayBench"

for p in $p_canned $p_paced $p_refused $p_serve $p_serve_fo $p_serve_paced $p_portkey $p_forward $p_serve_nm; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p on 127.0.0.1 is already in use"; fi
done

# --- start everything ----------------------------------------------------------------------------------------------
start() { # name, command...
  local name="$1"; shift
  "$@" >"$out/$name.out" 2>"$out/$name.err" &
  pids+=($!)
  eval "pid_${name//[^a-zA-Z0-9]/_}=$!"
}
wait_http() { # url, name
  for _ in $(seq 150); do
    if curl -s -o /dev/null -m 1 "$1"; then return 0; fi
    sleep 0.1
  done
  tail -5 "$out/$2.err" >&2 || true
  die "$2 did not answer at $1"
}
serve_env() { # backend port, order...
  local port="$1"; shift
  local env=(env -u ASPNETCORE_URLS DOTNET_ENVIRONMENT=Production
    AgentHost__Backends__Mlx__Enabled=true AgentHost__Backends__Mlx__Protocol=OpenAI
    AgentHost__Backends__Mlx__Endpoint="http://127.0.0.1:$port" AgentHost__Backends__Mlx__Model=canned-model
    AgentHost__Backends__Ollama__Enabled=false AgentHost__Backends__Victoria__Enabled=false)
  # Configuration merges arrays by index, so every slot of appsettings' 4-entry order is set (the last name repeats;
  # a backend named twice is tried at most once per call).
  local names=("$@") i
  for i in 0 1 2 3; do
    env+=("AgentHost__Fallback__Order__$i=${names[$((i < ${#names[@]} ? i : ${#names[@]} - 1))]}")
  done
  printf '%s\n' "${env[@]}"
}

log "starting canned backends, 4 × serve, Portkey"
start canned "$bench" backend --port $p_canned --chunks 8
start canned-paced "$bench" backend --port $p_paced --chunks 8 --chunk-delay-ms 20
mapfile -t env_plain < <(serve_env $p_canned Mlx)
mapfile -t env_paced < <(serve_env $p_paced Mlx)
mapfile -t env_fo < <(serve_env $p_canned Ollama Mlx)
env_fo+=(AgentHost__Backends__Ollama__Enabled=true AgentHost__Backends__Ollama__Endpoint="http://127.0.0.1:$p_refused")
start serve "${env_plain[@]}" dotnet "$host_dll" serve --urls "http://127.0.0.1:$p_serve"
start serve-fo "${env_fo[@]}" dotnet "$host_dll" serve --urls "http://127.0.0.1:$p_serve_fo"
start serve-paced "${env_paced[@]}" dotnet "$host_dll" serve --urls "http://127.0.0.1:$p_serve_paced"
# serve as shipped has the OpenTelemetry SDK on (/metrics); this one has it off: the cost of metrics is the ratio of the two.
start serve-nometrics "${env_plain[@]}" AgentHost__Telemetry__Metrics=false dotnet "$host_dll" serve --urls "http://127.0.0.1:$p_serve_nm"
# The floor of any .NET gateway: Kestrel + one pooled HttpClient, forwarding bytes (no JSON, no routing, no logs).
start forward "$bench" forward --port $p_forward --target "http://127.0.0.1:$p_canned"
start portkey node "$here/node_modules/@portkey-ai/gateway/build/start-server.js" --port=$p_portkey --headless
for n in canned:$p_canned canned-paced:$p_paced serve:$p_serve serve-fo:$p_serve_fo serve-paced:$p_serve_paced portkey:$p_portkey forward:$p_forward serve-nometrics:$p_serve_nm; do
  wait_http "http://127.0.0.1:${n#*:}/" "${n%%:*}"
done

pk_target() { printf '{"provider":"openai","api_key":"x","custom_host":"http://127.0.0.1:%s/v1"}' "$1"; }
pk_plain="x-portkey-config: {\"strategy\":{\"mode\":\"fallback\"},\"targets\":[$(pk_target $p_canned)]}"
pk_fo="x-portkey-config: {\"strategy\":{\"mode\":\"fallback\"},\"targets\":[$(pk_target $p_refused),$(pk_target $p_canned)]}"
chat="/v1/chat/completions"
answer="The canned answer from the benchmark backend."

# --- every path answers the canned answer before it is timed ------------------------------------------------------
check() { # name, url, header
  local body
  body=$(curl -s -m 10 -H 'Content-Type: application/json' ${3:+-H "$3"} \
    -d '{"model":"canned-model","messages":[{"role":"user","content":"Say the canned answer."}]}' "$2") || die "$1: no answer"
  [[ $body == *"$answer"* ]] || die "$1 did not give the canned answer: $body"
  log "$1 answers: ok"
}
check direct "http://127.0.0.1:$p_canned$chat"
check serve "http://127.0.0.1:$p_serve$chat"
check forward "http://127.0.0.1:$p_forward$chat"
check serve-nometrics "http://127.0.0.1:$p_serve_nm$chat"
curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$p_serve/metrics" | grep -qx 200 || die "serve: /metrics is not on by default"
curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$p_serve_nm/metrics" | grep -qx 404 || die "serve-nometrics: /metrics answers with metrics off"
check serve-failover "http://127.0.0.1:$p_serve_fo$chat"
check portkey "http://127.0.0.1:$p_portkey$chat" "$pk_plain"
check portkey-failover "http://127.0.0.1:$p_portkey$chat" "$pk_fo"

# --- memory of serve, sampled through the load --------------------------------------------------------------------
sample_memory() {
  while kill -0 "$pid_serve" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$pid_serve/status" 2>/dev/null || true
    sleep 0.5
  done >"$out/serve-rss-kb.txt"
}
sample_memory &
pids+=($!)

load() { # label, url, concurrency, duration, header
  local threads=2
  [[ $3 -lt 2 ]] && threads=1
  BENCH_LABEL="$1" BENCH_HEADER="${5:-}" wrk -t$threads -c"$3" -d"$4" --timeout 5s -s "$here/post.lua" "$2" >"$out/wrk-last.txt" 2>&1 \
    || { cat "$out/wrk-last.txt" >&2; die "wrk failed for $1"; }
  grep '^WRKJSON' "$out/wrk-last.txt" >>"$out/wrk.jsonl" || die "wrk printed no summary for $1"
  log "$(grep '^WRKJSON' "$out/wrk-last.txt" | cut -c9-200)"
}

: >"$out/wrk.jsonl"
[[ $smoke == 1 ]] || log "warming up each path ($warmup at c=16)"
[[ $smoke == 1 ]] || {
load "warm direct" "http://127.0.0.1:$p_canned$chat" 16 $warmup
load "warm serve" "http://127.0.0.1:$p_serve$chat" 16 $warmup
load "warm serve-nometrics" "http://127.0.0.1:$p_serve_nm$chat" 16 $warmup
load "warm forward" "http://127.0.0.1:$p_forward$chat" 16 $warmup
load "warm serve-failover" "http://127.0.0.1:$p_serve_fo$chat" 16 $warmup
load "warm portkey" "http://127.0.0.1:$p_portkey$chat" 16 $warmup "$pk_plain"
load "warm portkey-failover" "http://127.0.0.1:$p_portkey$chat" 16 $warmup "$pk_fo"
}
grep -v '"label":"warm' "$out/wrk.jsonl" >"$out/wrk.tmp" || true; mv "$out/wrk.tmp" "$out/wrk.jsonl"

for c in 1 16 64; do
  load "direct c=$c" "http://127.0.0.1:$p_canned$chat" $c $duration
  load "forward c=$c" "http://127.0.0.1:$p_forward$chat" $c $duration
  load "serve c=$c" "http://127.0.0.1:$p_serve$chat" $c $duration
  # Every row serve has, right after it: the two have the same history (JIT tiering, pools), so the ratio is the SDK's.
  load "serve-nometrics c=$c" "http://127.0.0.1:$p_serve_nm$chat" $c $duration
  load "portkey c=$c" "http://127.0.0.1:$p_portkey$chat" $c $duration "$pk_plain"
done
for c in 1 64; do
  load "serve-failover c=$c" "http://127.0.0.1:$p_serve_fo$chat" $c $duration
  load "portkey-failover c=$c" "http://127.0.0.1:$p_portkey$chat" $c $duration "$pk_fo"
done

# --- variants of serve: what each cost on the hot path is worth (--variants) ------------------------------------------
if [[ $variants == 1 ]]; then
  variant() { # name, model, extra args/env...
    local name="$1" model="$2"; shift 2
    local port=$((p_serve + 10 + ${#variant_names[@]}))
    local extra_env=() extra_args=() a
    for a in "$@"; do if [[ $a == --* ]]; then extra_args+=("$a"); else extra_env+=("$a"); fi; done
    start "variant-$name" "${env_plain[@]}" "${extra_env[@]}" dotnet "$host_dll" serve --urls "http://127.0.0.1:$port" "${extra_args[@]}"
    local pid=${pids[-1]}
    wait_http "http://127.0.0.1:$port/" "variant-$name"
    BENCH_MODEL=$model load "warm variant $name" "http://127.0.0.1:$port$chat" 16 $warmup
    ( while kill -0 "$pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null; sleep 0.5; done >"$out/variant-$name-rss-kb.txt" ) &
    for c in 1 64; do BENCH_MODEL=$model load "variant $name c=$c" "http://127.0.0.1:$port$chat" $c $duration; done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    variant_names+=("$name")
  }
  variant_names=()
  log "variants of serve"
  variant "shipped" canned-model
  variant "Fallback logs at Warning" canned-model --Logging:LogLevel:AgentHost.Fallback=Warning
  variant "model agent-host (no per-request model lookup)" agent-host
  variant "workstation GC" canned-model DOTNET_gcServer=0
  variant "all three" agent-host DOTNET_gcServer=0 --Logging:LogLevel:AgentHost.Fallback=Warning
  grep -v '"label":"warm' "$out/wrk.jsonl" >"$out/wrk.tmp" || true; mv "$out/wrk.tmp" "$out/wrk.jsonl"
  for n in "${variant_names[@]}"; do
    printf '%s\t%s\n' "$n" "$(sort -n "$out/variant-$n-rss-kb.txt" | tail -1)"
  done >"$out/variants-rss.tsv"
fi

# --- streaming: time to first token and pacing ----------------------------------------------------------------------
: >"$out/stream.jsonl"
probe() { # label, url, requests, expect-gap-ms, header
  "$bench" stream --label "$1" --url "$2" --requests "$3" --warmup $stream_warmup --expect-gap-ms "$4" ${5:+--header "$5"} \
    >"$out/stream-last.txt" 2>&1 || [[ $1 == portkey ]] || { cat "$out/stream-last.txt" >&2; die "stream probe $1"; }
  grep '^STREAMJSON' "$out/stream-last.txt" >>"$out/stream.jsonl" || die "stream probe $1 printed no summary"
  log "$(grep '^STREAMJSON' "$out/stream-last.txt" | cut -c12-260)"
}
probe direct "http://127.0.0.1:$p_canned$chat" $streams 0
probe serve "http://127.0.0.1:$p_serve$chat" $streams 0
probe "direct paced" "http://127.0.0.1:$p_paced$chat" $paced_streams 20
probe "serve paced" "http://127.0.0.1:$p_serve_paced$chat" $paced_streams 20
stream_warmup=0 probe portkey "http://127.0.0.1:$p_portkey$chat" 3 0 "$pk_plain"
grep -h -m1 -i "immutable" "$out/portkey.err" "$out/portkey.out" >"$out/portkey-stream-error.txt" 2>/dev/null || true

# --- report -------------------------------------------------------------------------------------------------------
for f in serve serve-fo serve-paced serve-nometrics portkey; do # serve logs a line per attempt: keep the ends of each log
  if [[ $(wc -l <"$out/$f.err") -gt 2000 ]]; then
    { head -n 500 "$out/$f.err"; echo "[... $(wc -l <"$out/$f.err") lines in all ...]"; tail -n 500 "$out/$f.err"; } >"$out/$f.err.tmp"
    mv "$out/$f.err.tmp" "$out/$f.err"
  fi
done
sort -n "$out/serve-rss-kb.txt" | tail -1 | awk '{printf "%.0f MB peak working set (VmRSS)", $1/1024}' >"$out/memory.txt"
{
  echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
    "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet $(dotnet --version), node $(node --version), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), commit $(git rev-parse --short HEAD)"
  echo "command: bench/gateway/run.sh$([[ $smoke == 1 ]] && echo " --smoke"); wrk $duration per row after a $warmup warm-up per path"
} >"$out/meta.txt"
status=0
"$bench" report --dir "$out" ${strict} $([[ $smoke == 1 ]] && echo --smoke) >"$out/report.md" || status=$?
cat "$out/meta.txt" "$out/report.md"
[[ -s "$out/portkey-stream-error.txt" ]] && echo && echo "Portkey's log on streaming: $(cut -c1-200 "$out/portkey-stream-error.txt")"
log "results in ${out#$root/}"
exit $status
