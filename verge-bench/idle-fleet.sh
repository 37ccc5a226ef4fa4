#!/usr/bin/env bash
# What connected, idle devices cost the hub, for docs/benchmarks.md ("Hub: idle devices"). Starts a
# hub (SQLite, in a temporary folder) through HUB_BIN (default: ./verge's distribution), then
# `verge sim` (SIM_BIN, default the same) with IDLE_DEVICES devices (default 1000) long-polling
# their desired state (--wait 30, as agents do; nothing is deployed, so every poll waits its whole
# 30 s and is answered 304), lets them settle for 40 s, then reads the hub's CPU time (utime+stime
# of /proc/PID/stat) over IDLE_SECONDS (default 60) and prints it as cores, with the simulator's
# own CPU beside it. HUB_BIN may be another build's bin/verge, to compare side by side.
# Usage: verge-bench/idle-fleet.sh    Needs python3. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hub_bin=${HUB_BIN:-$root/verge}
sim_bin=${SIM_BIN:-$root/verge}
devices=${IDLE_DEVICES:-1000}
seconds=${IDLE_SECONDS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-idle-fleet.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$hub_bin" hub --data "$work/hub" --port "$port" >"$work/hub.log" 2>&1 &
pids+=($!)
hub_pid=$!
deadline=$((SECONDS + 120))
until [ -s "$work/hub/admin.token" ] && grep -q "listening on" "$work/hub.log"; do
  if ! kill -0 "$hub_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "idle-fleet: the hub did not start; its log:" >&2
    cat "$work/hub.log" >&2
    exit 1
  fi
  sleep 0.2
done

"$sim_bin" sim --hub "http://127.0.0.1:$port" --token-file "$work/hub/admin.token" \
  --devices "$devices" --wait 30 >"$work/sim.log" 2>&1 &
pids+=($!)
sim_pid=$!
deadline=$((SECONDS + 600))
until grep -q "^enrolled $devices devices in" "$work/sim.log"; do
  if ! kill -0 "$sim_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "idle-fleet: the simulator did not enroll its devices; its output:" >&2
    tail -20 "$work/sim.log" >&2
    exit 1
  fi
  sleep 1
done
sleep 40 # Every device has polled once (200) and is waiting in its first long poll.

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# bin/verge execs Java, so these are the JVMs themselves.
hub_start=$(ticks "$hub_pid")
sim_start=$(ticks "$sim_pid")
sleep "$seconds"
hub_end=$(ticks "$hub_pid")
sim_end=$(ticks "$sim_pid")
hz=$(getconf CLK_TCK)
echo "hub: $hub_bin ($("$hub_bin" --version 2>/dev/null | head -n 1)); $devices devices long-polling (30 s), ${seconds} s measured"
python3 - "$hub_start" "$hub_end" "$sim_start" "$sim_end" "$hz" "$seconds" <<'PY'
import sys
hs, he, ss, se, hz, secs = map(float, sys.argv[1:])
print(f"  hub       {(he - hs) / hz / secs:.3f} cores")
print(f"  simulator {(se - ss) / hz / secs:.3f} cores")
PY
grep -E "^ +[0-9]+s " "$work/sim.log" | tail -n 1
