#!/usr/bin/env bash
# The agent's resident memory (VmRSS, what `ps -o rss` prints) at four moments, for the figures in
# docs/benchmarks.md ("Agent footprint"):
#   idle        the demo's agent, demo model loaded, after the demo's ~500 requests and 10 s idle
#   load peak   the highest value sampled every 0.25 s while wrk runs 16 connections for 15 s
#   after load  10 s after the load
#   large +Ns   5 s and 30 s after one large request: LARGE_ROWS rows x 2 FP32 features as binary
#               tensor data, outputs asked in binary (default 1,000,000 rows: 8 MB in, 8 MB out;
#               3,920,000 rows, the input size of 10,000 MNIST images, exhausts the agent's
#               256 MiB heap while it records the prediction)
# Runs `verge demo --agents 1` from a source checkout (./verge, or VERGE_BIN=path/to/bin/verge of
# an unpacked distribution) and measures its agent, started by the distribution's bin/verge exactly
# as on a device. Whatever is in the environment reaches the
# agent: VERGE_JAVA_OPTS (appended to the launcher's flags), MALLOC_ARENA_MAX, ... Usage:
#   verge-bench/footprint.sh [LABEL]                 prints one markdown table row
#   VERGE_JAVA_OPTS=-XX:TieredStopAtLevel=4 verge-bench/footprint.sh "full JIT"
# FOOTPRINT_DETAIL=1 ends with where the memory is (jcmd, pmap). Needs wrk, curl and python3. Leaves nothing behind (its work folder is temporary).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
label=${1:-current}
rows=${LARGE_ROWS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-footprint.XXXXXX")
demo_pid=""
cleanup() {
  if [ -n "$demo_pid" ]; then
    kill "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"${VERGE_BIN:-$root/verge}" demo --agents 1 --work "$work/demo" >"$work/demo.log" 2>&1 &
demo_pid=$!
deadline=$((SECONDS + 300))
until grep -q "The demo keeps running" "$work/demo.log"; do
  if ! kill -0 "$demo_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "footprint: the demo did not come up; its output:" >&2
    cat "$work/demo.log" >&2
    exit 1
  fi
  sleep 1
done
url=$(grep -o 'http://127.0.0.1:[0-9]*/v2/models/pump-failure/infer' "$work/demo.log" | head -n 1)
agent=$(pgrep -f -- "--data=$work/demo/agents/agent-1" | head -n 1)
rss() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$agent/status"; }

sleep 10
idle=$(rss)

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,2],"data":[[8.1,6.4]]}]}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c16 -d15s -s "$work/post.lua" "$url" >"$work/wrk.txt" &
wrk_pid=$!
peak=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  now=$(rss)
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.25
done
wait "$wrk_pid"
requests=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.txt")
sleep 10
after_load=$(rss)

python3 - "$rows" "$work/large.bin" "$work/large.len" <<'PY'
import json, struct, sys
rows, body, length = int(sys.argv[1]), sys.argv[2], sys.argv[3]
header = json.dumps({
    "inputs": [{"name": "input", "datatype": "FP32", "shape": [rows, 2],
                "parameters": {"binary_data_size": rows * 8}}],
    "parameters": {"binary_data_output": True}}).encode()
with open(body, "wb") as out:
    out.write(header)
    out.write(struct.pack("<2f", 8.1, 6.4) * rows)
open(length, "w").write(str(len(header)))
PY
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 -X POST \
  -H "Content-Type: application/octet-stream" \
  -H "Inference-Header-Content-Length: $(cat "$work/large.len")" \
  --data-binary "@$work/large.bin" "$url")
if [ "$status" != 200 ]; then
  echo "footprint: the large request answered HTTP $status; the agent's log ends:" >&2
  tail -n 20 "$work/demo/agents/agent-1/agent.log" >&2
fi
sleep 5
large5=$(rss)
sleep 25
large30=$(rss)

if [ -n "${FOOTPRINT_DETAIL:-}" ]; then
  # Where the memory is, for a run with VERGE_JAVA_OPTS=-XX:NativeMemoryTracking=summary.
  jcmd "$agent" VM.native_memory summary >&2 2>/dev/null || true
  jcmd "$agent" GC.heap_info >&2 || true
  pmap -x "$agent" | sort -k3 -n | tail -n 12 >&2
fi
echo "| $label | $idle | $peak ($requests req/s) | $after_load | $large5 (HTTP $status) | $large30 |"
