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
source "$root/verge-bench/hub-lib.sh"
start_hub "$hub_bin" idle-fleet
start_sim "$sim_bin" idle-fleet "$devices" --wait 30
sleep 40 # Every device has polled once (200) and is waiting in its first long poll.

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
