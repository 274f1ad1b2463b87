#!/usr/bin/env bash
# A/B of serve builds on one machine in one window: bench/gateway/ab.sh ROUNDS HOST_DLL... (C=64 D=8 EXTRA_ENV=...).
# Starts the canned backend and one serve per AgentHost.dll (Release builds of the commits to compare, e.g. from
# `git worktree add`), then runs wrk rows alternating between them, ROUNDS times: a machine that gets busier or
# quieter moves every build alike. Prints requests/s per build per round. Ports 19301 and 19310+ on 127.0.0.1.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bench=$here/GatewayBench/bin/Release/net10.0/GatewayBench
rounds=$1; shift
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done' EXIT
$bench backend --port 19301 --chunks 8 >/dev/null 2>&1 & pids+=($!)
i=0; ports=()
for dll in "$@"; do
  port=$((19310+i))
  env -u ASPNETCORE_URLS DOTNET_ENVIRONMENT=Production AgentHost__Backends__Mlx__Enabled=true AgentHost__Backends__Mlx__Protocol=OpenAI \
    AgentHost__Backends__Mlx__Endpoint=http://127.0.0.1:19301 AgentHost__Backends__Mlx__Model=canned-model \
    AgentHost__Backends__Ollama__Enabled=false AgentHost__Backends__Victoria__Enabled=false \
    AgentHost__Fallback__Order__0=Mlx AgentHost__Fallback__Order__1=Mlx AgentHost__Fallback__Order__2=Mlx AgentHost__Fallback__Order__3=Mlx \
    ${EXTRA_ENV:-} dotnet $dll serve --urls http://127.0.0.1:$port >/dev/null 2>&1 & pids+=($!)
  ports+=($port); i=$((i+1))
done
for p in "${ports[@]}"; do for _ in $(seq 150); do curl -s -o /dev/null -m 1 http://127.0.0.1:$p/health && break; sleep 0.2; done; done
for p in "${ports[@]}"; do wrk -t2 -c16 -d3s -s $here/post.lua http://127.0.0.1:$p/v1/chat/completions >/dev/null 2>&1; done
for r in $(seq $rounds); do
  line="round $r:"
  for p in "${ports[@]}"; do
    rps=$(BENCH_LABEL=x wrk -t2 -c${C:-64} -d${D:-8}s --timeout 5s -s $here/post.lua http://127.0.0.1:$p/v1/chat/completions 2>&1 | grep WRKJSON | sed 's/.*"rps":\([0-9.]*\).*/\1/')
    line="$line $rps"
  done
  echo "$line  (load $(cut -d' ' -f1 /proc/loadavg))"
done
