# Sourced by the hub benchmarks (polls.sh, idle-fleet.sh, rollout-fleet.sh): one way to start a
# throwaway hub and to stop what a script started. The script sets $work (a temporary folder)
# before sourcing this. KEEP_WORK=1 leaves that folder (the hub's and the simulator's logs) behind.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# start_hub BIN NAME: a hub on a free loopback port, data in $work/hub; sets $port and $hub_pid.
start_hub() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$1" hub --data "$work/hub" --port "$port" >"$work/hub.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  local deadline=$((SECONDS + 120))
  until [ -s "$work/hub/admin.token" ] && grep -q "listening on" "$work/hub.log"; do
    if ! kill -0 "$hub_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "$2: the hub did not start; its log:" >&2
      cat "$work/hub.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# start_sim BIN NAME DEVICES ARGS...: verge sim against the hub; waits until it has enrolled its
# devices; sets $sim_pid.
start_sim() {
  local bin=$1 name=$2 devices=$3
  shift 3
  "$bin" sim --hub "http://127.0.0.1:$port" --token-file "$work/hub/admin.token" \
    --devices "$devices" "$@" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  pids+=("$sim_pid")
  local deadline=$((SECONDS + 900))
  until grep -q "^enrolled $devices devices in" "$work/sim.log"; do
    if ! kill -0 "$sim_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "$name: the simulator did not enroll its devices; its output:" >&2
      tail -20 "$work/sim.log" >&2
      exit 1
    fi
    sleep 1
  done
}

# ticks PID: the process's CPU time so far (utime + stime), in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
