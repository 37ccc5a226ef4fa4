#!/usr/bin/env bash
# A canary + waves rollout of a 1 MiB bundle to a simulated fleet, for docs/benchmarks.md ("Hub: a
# rollout to a simulated fleet"). Starts a hub (SQLite, in a temporary folder) through HUB_BIN
# (default ./verge's distribution), `verge sim` with ROLLOUT_DEVICES devices (default 5000)
# long-polling, publishes pump v1 (an ONNX Identity graph carrying a 1 MiB initializer, written
# here byte by byte), deploys it with a 1% canary and waves 10%, 50%, 100%, soak 0, and prints
# the time from the deployment to COMPLETED (and to every device running v1), the hub's CPU
# seconds over that time, its resident memory at the end and the requests per device by route;
# then the same for v2 on the now warm hub (ROLLOUT_ROUNDS, default 2). ROLLOUT_SIM_ARGS (default
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
rounds=${ROLLOUT_ROUNDS:-2}
for version in $(seq 1 "$rounds"); do
  "$hub_bin" bundle create --model "$work/pump.onnx" --name pump --version "$version" \
    --key "$work/publisher.key" --out "$work/pump-$version.vbundle" >/dev/null
  "$hub_bin" model push "$work/pump-$version.vbundle" --token-file "$token" >/dev/null
done
size=$(stat -c %s "$work/pump-1.vbundle")

read -r -a sim_args <<<"${ROLLOUT_SIM_ARGS:---wait 30}"
start_sim "$sim_bin" rollout-fleet "$devices" "${sim_args[@]}"
sleep 35 # Every device has polled (and is waiting in a long poll, when it long-polls).

metrics() { curl -fsS -H "Authorization: Bearer $(cat "$token")" "$hub/metrics"; }
hz=$(getconf CLK_TCK)
echo "hub: $hub_bin; $devices simulated devices (sim ${sim_args[*]}), bundle $size bytes"
for version in $(seq 1 "$rounds"); do
  metrics >"$work/metrics-before.txt"
  cpu_start=$(ticks "$hub_pid")
  start=$(date +%s.%N)
  id=$("$hub_bin" deploy --model pump --version "$version" --canary 1% --waves 10%,50%,100% \
    --soak 0s --token-file "$token" \
    -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  until curl -fsS -H "Authorization: Bearer $(cat "$token")" "$hub/api/v1/deployments/$id" \
      | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["state"] == "COMPLETED" else 1)'; do
    sleep 0.2
  done
  completed=$(date +%s.%N)
  cpu_end=$(ticks "$hub_pid")
  metrics >"$work/metrics-after.txt"
  until grep -qE "running \{pump:$version=$devices\}" <(tail -n 2 "$work/sim.log"); do
    sleep 0.2
  done
  all=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$hub_pid/status")
  if [ "$version" = 1 ]; then
    echo " v1, the hub's first rollout (its JIT compiles the paths as they run):"
  else
    echo " v$version, a warm hub (v$((version - 1)) to v$version on every device):"
  fi
  python3 - "$start" "$completed" "$all" "$cpu_start" "$cpu_end" "$hz" "$rss" "$version" <<'PY'
import sys
start, completed, everyone, c0, c1, hz, rss, version = map(float, sys.argv[1:])
print(f"  deploy to COMPLETED      {completed - start:.1f} s")
print(f"  deploy to all running v{version:.0f} {everyone - start:.1f} s (the simulator's view, to 1 s)")
print(f"  hub CPU until COMPLETED  {(c1 - c0) / hz:.1f} s")
print(f"  hub resident memory      {rss / 1024:.0f} MiB")
PY
  tail -n 1 "$work/sim.log"
  echo "  requests during the rollout, per device:"
  python3 - "$work/metrics-before.txt" "$work/metrics-after.txt" "$devices" <<'PY'
import re, sys
def counts(path):
    out = {}
    for line in open(path):
        m = re.match(r'verge_hub_http_requests_seconds_count\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            key = (labels.get("method"), labels.get("route"), labels.get("status"))
            out[key] = out.get(key, 0) + float(m.group(2))
    return out
def plain(path, name):
    for line in open(path):
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
before, after, devices = counts(sys.argv[1]), counts(sys.argv[2]), float(sys.argv[3])
engine = [plain(sys.argv[2], n) - plain(sys.argv[1], n)
          for n in ("verge_hub_rollout_engine_iterations_total",
                    "verge_hub_rollout_engine_busy_seconds_total")]
print(f"    rollout engine: {engine[0]:.0f} iterations, {engine[1]:.1f} s in them")
for key in sorted(after, key=lambda k: -(after[k] - before.get(k, 0))):
    n = after[key] - before.get(key, 0)
    if n / devices >= 0.01:
        print(f"    {key[0]:6} {key[1]:42} {key[2]:4} {n / devices:6.2f}")
PY
done
