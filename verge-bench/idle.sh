#!/usr/bin/env bash
# What a far-edge agent costs between its pipeline's cycles, for docs/benchmarks.md ("Far edge:
# asleep between cycles"). Runs `verge demo --agents 1` for its hub and model, then two more agents
# side by side through the distribution's bin/verge, each with the same pipeline (a synthetic
# sensor, cron "* * * * *": one cycle at the start of every minute) and the demo's far-edge model:
#   normal   the loops on their timers (poll and forward every 5 s, the defaults)
#   asleep   --sleep-between-cycles true: one link pass after each cycle, then nothing
# For IDLE_MINUTES minutes (default 3) it reads each agent's CPU time (utime+stime of
# /proc/PID/stat) and context switches (voluntary+nonvoluntary, summed over /proc/PID/task/*/status)
# at second 5 and second 55 of the minute, the idle stretch between two cycles, and prints them per
# idle minute (x 60/50), then the whole minutes (cycle and pass included), then the threads that
# switched most while idle. VERGE_BIN=path/to/bin/verge of an unpacked distribution, else ./verge.
# Usage: verge-bench/idle.sh    Needs python3 and curl. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
verge=${VERGE_BIN:-$root/verge}
minutes=${IDLE_MINUTES:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-idle.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

"$verge" demo --agents 1 --work "$work/demo" >"$work/demo.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 600))
until grep -q "The demo keeps running" "$work/demo.log"; do
  if ! kill -0 "${pids[0]}" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "idle: the demo did not come up; its output:" >&2
    cat "$work/demo.log" >&2
    exit 1
  fi
  sleep 1
done
hub=$(grep -o 'Hub: *http://[0-9.:]*' "$work/demo.log" | grep -o 'http://.*' | head -n 1)
admin="$work/demo/hub/admin.token"
key=$(find "$work/demo" -name '*.pub' | head -n 1)

cat >"$work/pipeline.yaml" <<'YAML'
agent:
  pipelines:
    pump-watch:
      model: pump-failure
      source:
        synthetic:
          seed: 7
          fields:
            temperature: {mean: 66, amplitude: 16, period: 3s, noise: 2}
            vibration: {mean: 3.8, amplitude: 2.8, period: 3s, noise: 0.4}
      schedule: {cron: "* * * * *"}
      input:
        features:
          - {field: temperature, scale: 0.1}
          - vibration
      rules:
        - name: failure risk
          when: output[1] > 0.8
          then:
            - event: {severity: critical, message: pump failure risk}
YAML

declare -A agent_pid
for mode in normal asleep; do
  data="$work/$mode"
  mkdir -p "$data"
  "$verge" tokens create --hub "$hub" --token-file "$admin" --out "$data/enroll.token" >/dev/null
  extra=()
  [ "$mode" = asleep ] && extra=(--sleep-between-cycles true)
  "$verge" agent --config "$work/pipeline.yaml" --hub "$hub" --data "$data" --port 0 \
    --enroll-token-file "$data/enroll.token" --trust "$key" --name "idle-$mode" \
    --label fleet=far-edge "${extra[@]}" >"$data/agent.log" 2>&1 &
  pids+=($!)
done
for mode in normal asleep; do
  deadline=$((SECONDS + 120))
  until [ -s "$work/$mode/agent.endpoint" ]; do
    if [ $SECONDS -gt $deadline ]; then
      echo "idle: agent $mode did not start; its log:" >&2
      cat "$work/$mode/agent.log" >&2
      exit 1
    fi
    sleep 1
  done
  # The launcher execs java: the agent's pid is the one whose --data is this folder.
  agent_pid[$mode]=$(pgrep -f -- "--data $work/$mode" | head -n 1)
done

python3 - "$minutes" "${agent_pid[normal]}" "${agent_pid[asleep]}" \
  "$(cat "$work/normal/agent.endpoint")" "$(cat "$work/asleep/agent.endpoint")" <<'PY'
import glob, json, os, sys, time, urllib.request

minutes = int(sys.argv[1])
pids = {"normal": int(sys.argv[2]), "asleep": int(sys.argv[3])}
urls = {"normal": sys.argv[4].strip(), "asleep": sys.argv[5].strip()}
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / tick  # utime, stime

def switches(pid):
    per_thread = {}
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            text = open(status).read()
        except OSError:
            continue  # a thread that ended
        values = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        n = int(values["voluntary_ctxt_switches"]) + int(values["nonvoluntary_ctxt_switches"])
        per_thread[status.split("/")[4]] = (values["Name"].strip(), n)
    return per_thread

def snapshot():
    return {m: (cpu_ms(p), switches(p)) for m, p in pids.items()}

def wait_for_second(s):
    # Until second s of the minute: the next such instant, slept towards in one absolute target.
    now = time.time()
    target = now + (s - now % 60) % 60
    while (left := target - time.time()) > 0:
        time.sleep(left)

def status(mode):
    with urllib.request.urlopen(urls[mode] + "/verge/v1/status", timeout=10) as r:
        return json.load(r)["pipelines"][0]

# One whole minute first: the model is installed and the first cycles ran.
wait_for_second(2)
time.sleep(60)
idle = {m: [0.0, 0] for m in pids}
whole = {m: [0.0, 0] for m in pids}
by_thread = {m: {} for m in pids}
wait_for_second(0.5)
first = snapshot()
for _ in range(minutes):
    wait_for_second(5)
    a = snapshot()
    time.sleep(50)
    b = snapshot()
    for m in pids:
        idle[m][0] += b[m][0] - a[m][0]
        for tid, (name, n) in b[m][1].items():
            before = a[m][1].get(tid, (name, 0))[1]
            idle[m][1] += n - before
            by_thread[m][name] = by_thread[m].get(name, 0) + n - before
    wait_for_second(0.5)
last = snapshot()
for m in pids:
    whole[m][0] = last[m][0] - first[m][0]
    whole[m][1] = sum(n for _, n in last[m][1].values()) - sum(
        n for tid, (_, n) in first[m][1].items() if tid in last[m][1])
print(f"| mode | CPU ms per idle minute | switches per idle minute | CPU ms per minute (cycle included) | switches per minute | pipeline |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for m in pids:
    p = status(m)
    print(f"| {m} | {idle[m][0] * 60 / 50 / minutes:.0f} | {idle[m][1] * 60 / 50 / minutes:.0f} "
          f"| {whole[m][0] / minutes:.0f} | {whole[m][1] / minutes:.0f} "
          f"| {p['state']}, {p['cycles']} cycles, {p['predictions']} predictions |")
for m in pids:
    top = sorted(by_thread[m].items(), key=lambda kv: -kv[1])[:8]
    print(f"{m}: switches per idle minute by thread: "
          + ", ".join(f"{name} {n * 60 / 50 / minutes:.0f}" for name, n in top if n > 0))
PY
