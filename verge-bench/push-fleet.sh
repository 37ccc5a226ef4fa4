#!/usr/bin/env bash
# What desired-state push over MQTT saves the hub, for docs/benchmarks.md ("Hub: push instead of
# long polls"). Starts Debian's mosquitto (config in a temporary folder: a free loopback port, the
# hub's passwords and acl files, anonymous off, persistence off), a hub (SQLite) pushing through it
# (--push-broker, --push-broker-files, --push-reload-command "kill -HUP <mosquitto>"), then
# `verge sim --push` with PUSH_DEVICES devices (default 2000): each asks the hub for push access,
# subscribes, and polls only on connect, on a push message and every 5 min. Once all are
# connected it reads the CPU time (utime+stime of /proc/PID/stat) of the hub, mosquitto and the
# simulator over PUSH_SECONDS (default 330: every device's 5-min poll, report and presence
# refresh falls inside it), then deploys a model to every device at once and takes the
# simulator's change→fetch latency (from each push message's changedAt to the device having the
# hub's answer to its poll). Then, side by side, a fresh hub without push and the same number of
# devices long-polling (--wait 30, as idle-fleet.sh), its CPU over POLL_SECONDS (default 60),
# and the same deployment's time to every device running it.
# HUB_BIN and SIM_BIN (default ./verge's distribution) as in idle-fleet.sh. Each push device holds
# an MQTT socket in the simulator and in mosquitto: with 20,000 open files a process, keep
# PUSH_DEVICES under some 18,000.
# Usage: verge-bench/push-fleet.sh    Needs python3 and mosquitto 2. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hub_bin=${HUB_BIN:-$root/verge}
sim_bin=${SIM_BIN:-$root/verge}
devices=${PUSH_DEVICES:-2000}
push_seconds=${PUSH_SECONDS:-330}
poll_seconds=${POLL_SECONDS:-60}
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto" ] || { echo "push-fleet: needs mosquitto 2 (apt-get install mosquitto)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-push-fleet.XXXXXX")
source "$root/verge-bench/hub-lib.sh"
hz=$(getconf CLK_TCK)

# cores START END SECONDS: CPU ticks as cores.
cores() { python3 -c "import sys; print(f'{($2 - $1) / $hz / $3:.3f}')"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# await_line PATTERN WHAT SECONDS: until the simulator's last line matches.
await_line() {
  local deadline=$((SECONDS + $3))
  until tail -n 1 "$work/sim.log" | grep -qE "$1"; do
    if ! kill -0 "$sim_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "push-fleet: $2 did not happen; the simulator's last lines:" >&2
      tail -n 5 "$work/sim.log" >&2
      exit 1
    fi
    sleep 1
  done
}

# The broker, reading the files the hub writes (empty until the hub starts).
files="$work/broker-files"
mkdir -p "$files"
: >"$files/passwords"
: >"$files/acl"
mport=$(free_port)
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings false
listener $mport 127.0.0.1
max_connections -1
allow_anonymous false
password_file $files/passwords
acl_file $files/acl
persistence false
log_dest file $work/mosquitto.log
log_type error
log_type warning
log_type notice
user $(id -un)
CONF
"$mosquitto" -c "$work/mosquitto.conf" >"$work/mosquitto.out" 2>&1 &
mosquitto_pid=$!
pids+=("$mosquitto_pid")
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $mport), 0.2)" 2>/dev/null; do
  kill -0 "$mosquitto_pid" 2>/dev/null || { cat "$work/mosquitto.out" >&2; exit 1; }
  sleep 0.1
done

start_hub "$hub_bin" push-fleet \
  --push-broker "tcp://127.0.0.1:$mport" \
  --push-broker-files "$files" \
  --push-reload-command "kill -HUP $mosquitto_pid"
hub="http://127.0.0.1:$port"
export VERGE_HUB=$hub
token="$work/hub/admin.token"

# A tiny model to deploy (the devices skip the download: this measures the control path).
identity_model "$work/pump.onnx" 4
(cd "$work" && "$hub_bin" keys generate --name publisher >/dev/null)
"$hub_bin" bundle create --model "$work/pump.onnx" --name pump --version 1 \
  --key "$work/publisher.key" --out "$work/pump-1.vbundle" >/dev/null
publish() {
  "$hub_bin" keys trust "$work/publisher.pub" --token-file "$token" >/dev/null
  "$hub_bin" model push "$work/pump-1.vbundle" --token-file "$token" >/dev/null
}
publish

# Push devices hold an MQTT socket each: the HTTP requests at once (so connections) stay few,
# PUSH_MAX_IN_FLIGHT (default 1000); devices plus these must stay under the open-file limit.
start_sim "$sim_bin" push-fleet "$devices" --push --wait 30 --download skip \
  --max-in-flight "${PUSH_MAX_IN_FLIGHT:-1000}"
# Every device connected, or CONNECT_SECONDS (default 120) after the last enrollment: those not
# connected by then long-polls (the simulator's total says why they are not).
deadline=$((SECONDS + ${CONNECT_SECONDS:-120}))
until tail -n 1 "$work/sim.log" | grep -qE "push $devices connected" || [ $SECONDS -gt $deadline ]; do
  sleep 1
done
connected=$(tail -n 1 "$work/sim.log" | sed -E 's/.*push ([0-9]+) connected.*/\1/')
sleep 20 # Every device has polled once on its connect, and reported.

hub_start=$(ticks "$hub_pid")
mosquitto_start=$(ticks "$mosquitto_pid")
sim_start=$(ticks "$sim_pid")
sleep "$push_seconds"
hub_push=$(cores "$hub_start" "$(ticks "$hub_pid")" "$push_seconds")
mosquitto_cores=$(cores "$mosquitto_start" "$(ticks "$mosquitto_pid")" "$push_seconds")
sim_push=$(cores "$sim_start" "$(ticks "$sim_pid")" "$push_seconds")
hub_push_rss=$(rss_mib "$hub_pid")
before=$(tail -n 1 "$work/sim.log")

start=$(date +%s.%N)
"$hub_bin" deploy --model pump --version 1 --token-file "$token" >/dev/null
await_line "running \{pump:1=$devices\}" "every device running pump v1" 300
everyone=$(date +%s.%N)
sleep 2
stop "$sim_pid" # The simulator prints its totals on SIGTERM.
push_total=$(grep "^total: " "$work/sim.log" || true)
cp "$work/sim.log" "$work/sim-push.log"
stop "$hub_pid"

# The same fleet long-polling a fresh hub without push, as idle-fleet.sh.
rm -rf "$work/hub"
start_hub "$hub_bin" push-fleet
export VERGE_HUB="http://127.0.0.1:$port"
publish
start_sim "$sim_bin" push-fleet "$devices" --wait 30 --download skip --max-in-flight $((devices + 500))
sleep 40 # Every device has polled once (200) and is waiting in its first long poll.
hub_start=$(ticks "$hub_pid")
sim_start=$(ticks "$sim_pid")
sleep "$poll_seconds"
hub_poll=$(cores "$hub_start" "$(ticks "$hub_pid")" "$poll_seconds")
sim_poll=$(cores "$sim_start" "$(ticks "$sim_pid")" "$poll_seconds")
hub_poll_rss=$(rss_mib "$hub_pid")
poll_line=$(tail -n 1 "$work/sim.log")
poll_start=$(date +%s.%N)
"$hub_bin" deploy --model pump --version 1 --token-file "$token" >/dev/null
await_line "running \{pump:1=$devices\}" "every long-polling device running pump v1" 300
poll_everyone=$(date +%s.%N)

echo "hub: $hub_bin ($("$hub_bin" --version 2>/dev/null | head -n 1)); $("$mosquitto" -h | head -n 1)"
echo "$devices idle devices ($connected connected over push when measured), push (${push_seconds} s measured) vs long polls of 30 s (${poll_seconds} s):"
echo "  push:       hub $hub_push cores ($hub_push_rss MiB resident), mosquitto $mosquitto_cores cores, simulator $sim_push cores"
echo "  long polls: hub $hub_poll cores ($hub_poll_rss MiB resident), simulator $sim_poll cores"
python3 - "$start" "$everyone" "$poll_start" "$poll_everyone" <<'PY'
import sys
start, everyone, poll_start, poll_everyone = map(float, sys.argv[1:])
print(f"  deploy to every device running v1: push {everyone - start:.1f} s,"
      f" long polls {poll_everyone - poll_start:.1f} s (the simulator's view, to 1 s)")
PY
echo "  before the deployment: ${before#*  push }" | sed 's/  downloads.*//'
echo "  push $push_total"
echo "  long polls: $poll_line"
