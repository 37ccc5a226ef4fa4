#!/usr/bin/env bash
# A canary + waves rollout of a 1 MiB bundle to a simulated fleet, for docs/benchmarks.md ("Hub: a
# rollout to a simulated fleet"). Starts a hub (SQLite, in a temporary folder) through HUB_BIN
# (default ./verge's distribution), `verge sim` with ROLLOUT_DEVICES devices (default 5000)
# long-polling, publishes pump v1 (an ONNX Identity graph carrying a 1 MiB initializer, written
# here byte by byte), deploys it with a 1% canary and waves 10%, 50%, 100%, soak 0, and prints
# the time from the deployment to COMPLETED (and to every device running v1), the hub's CPU
# seconds over that time and its resident memory at the end. ROLLOUT_SIM_ARGS (default
# `--wait 30`, long polls as agents do) are passed to `verge sim`: a fleet larger than a process's
# open files (20,000 here) polls plainly through a shared set of connections instead, e.g.
# `--wait 0 --interval 10s --max-in-flight 4000`.
# Usage: verge-bench/rollout-fleet.sh    Needs python3 and curl. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hub_bin=${HUB_BIN:-$root/verge}
sim_bin=${SIM_BIN:-$root/verge}
devices=${ROLLOUT_DEVICES:-5000}
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-rollout-fleet.XXXXXX")
source "$root/verge-bench/hub-lib.sh"

# An ONNX model of about 1 MiB: y = Identity(x), with an unused 262,144-float initializer of
# random bytes (so that the bundle's zip does not shrink it).
identity_model "$work/pump.onnx" 262144

start_hub "$hub_bin" rollout-fleet
hub="http://127.0.0.1:$port"
export VERGE_HUB=$hub
token="$work/hub/admin.token"
(cd "$work" && "$hub_bin" keys generate --name publisher >/dev/null)
"$hub_bin" keys trust "$work/publisher.pub" --token-file "$token" >/dev/null
"$hub_bin" bundle create --model "$work/pump.onnx" --name pump --version 1 \
  --key "$work/publisher.key" --out "$work/pump-1.vbundle" >/dev/null
"$hub_bin" model push "$work/pump-1.vbundle" --token-file "$token" >/dev/null
size=$(stat -c %s "$work/pump-1.vbundle")

read -r -a sim_args <<<"${ROLLOUT_SIM_ARGS:---wait 30}"
start_sim "$sim_bin" rollout-fleet "$devices" "${sim_args[@]}"
sleep 35 # Every device has polled (and is waiting in a long poll, when it long-polls).

cpu_start=$(ticks "$hub_pid")
start=$(date +%s.%N)
id=$("$hub_bin" deploy --model pump --version 1 --canary 1% --waves 10%,50%,100% --soak 0s \
  --token-file "$token" \
  -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
until curl -fsS -H "Authorization: Bearer $(cat "$token")" "$hub/api/v1/deployments/$id" \
    | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["state"] == "COMPLETED" else 1)'; do
  sleep 0.2
done
completed=$(date +%s.%N)
cpu_end=$(ticks "$hub_pid")
until grep -qE "running \{pump:1=$devices\}" <(tail -n 2 "$work/sim.log"); do
  sleep 0.2
done
all=$(date +%s.%N)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$hub_pid/status")
hz=$(getconf CLK_TCK)
echo "hub: $hub_bin; $devices simulated devices (sim ${sim_args[*]}), bundle $size bytes"
python3 - "$start" "$completed" "$all" "$cpu_start" "$cpu_end" "$hz" "$rss" <<'PY'
import sys
start, completed, everyone, c0, c1, hz, rss = map(float, sys.argv[1:])
print(f"  deploy to COMPLETED      {completed - start:.1f} s")
print(f"  deploy to all running v1 {everyone - start:.1f} s (the simulator's view, to 1 s)")
print(f"  hub CPU until COMPLETED  {(c1 - c0) / hz:.1f} s")
print(f"  hub resident memory      {rss / 1024:.0f} MiB")
PY
tail -n 1 "$work/sim.log"
