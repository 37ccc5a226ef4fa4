# Sourced by the hub benchmarks (polls.sh, idle-fleet.sh, rollout-fleet.sh, push-fleet.sh): one way to start a
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

# free_port: a free loopback port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_hub BIN NAME [HUB ARGS...]: a hub on a free loopback port, data in $work/hub; sets $port
# and $hub_pid.
start_hub() {
  local bin=$1 name=$2
  shift 2
  port=$(free_port)
  "$bin" hub --data "$work/hub" --port "$port" "$@" >"$work/hub.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  local deadline=$((SECONDS + 120))
  until [ -s "$work/hub/admin.token" ] && grep -q "listening on" "$work/hub.log"; do
    if ! kill -0 "$hub_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "$name: the hub did not start; its log:" >&2
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

# stop PID: SIGTERM, and waits for it to end.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# identity_model PATH FLOATS: an ONNX model y = Identity(x) (x: float [1, 4]) carrying an unused
# initializer of FLOATS random floats (so that a bundle's zip does not shrink it): 262144 for about
# 1 MiB.
identity_model() {
  python3 - "$1" "$2" <<'PY'
import random, sys
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload
def value_info(name):
    dim = field(1, 2, field(1, 0, 1))                 # Dimension { dim_value: 1 }
    shape = field(2, 2, dim + field(1, 2, field(1, 0, 4)))  # TensorShapeProto: [1, 4]
    tensor_type = field(1, 2, field(1, 0, 1) + shape)  # Tensor { elem_type: FLOAT, shape }
    return field(1, 2, name.encode()) + field(2, 2, tensor_type)
count = int(sys.argv[2])
init = (field(1, 0, count) + field(2, 0, 1) + field(8, 2, b"pad")
        + field(9, 2, random.Random(7).randbytes(4 * count)))
node = field(1, 2, b"x") + field(2, 2, b"y") + field(4, 2, b"Identity")
graph = (field(1, 2, node) + field(2, 2, b"pump") + field(5, 2, init)
         + field(11, 2, value_info("x")) + field(12, 2, value_info("y")))
model = field(1, 0, 8) + field(7, 2, graph) + field(8, 2, field(2, 0, 13))
open(sys.argv[1], "wb").write(model)
PY
}
