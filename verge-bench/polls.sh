#!/usr/bin/env bash
# Desired-state polls per second at the hub, for docs/benchmarks.md ("Hub: desired-state polls").
# Starts a hub (SQLite, in a temporary folder) through the distribution's bin/verge, enrolls
# POLL_DEVICES devices (default 10000) through its API, polls each once to learn its ETag, then
# runs wrk (POLL_CONNECTIONS connections, default 16, for POLL_SECONDS, default 15) over all of
# them, each request the next device in turn with its own credential:
#   unchanged  If-None-Match: the device's ETag -> 304 (the path nearly every poll takes)
#   changed    no If-None-Match -> 200 with the state (what a poll after a deployment takes)
# and prints requests/s with wrk's latency percentiles for both. VERGE_BIN=path/to/bin/verge of
# an unpacked distribution (another build, to compare side by side), else ./verge.
# Usage: verge-bench/polls.sh    Needs wrk, python3. Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
verge=${VERGE_BIN:-$root/verge}
devices=${POLL_DEVICES:-10000}
connections=${POLL_CONNECTIONS:-16}
seconds=${POLL_SECONDS:-15}
command -v wrk >/dev/null || { echo "polls: needs wrk (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/verge-polls.XXXXXX")
source "$root/verge-bench/hub-lib.sh"
start_hub "$verge" polls

# Enroll the devices and learn each one's ETag; one line per device: id credential etag.
python3 - "$port" "$work/hub/admin.token" "$devices" "$work/devices.txt" <<'PY'
import http.client, json, sys
port, token_file, count, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
admin = open(token_file).read().strip()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def call(method, path, body=None, token=admin, headers=None):
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    h.update(headers or {})
    c.request(method, path, None if body is None else json.dumps(body), h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 400:
        sys.exit(f"polls: {method} {path} answered {r.status}: {data[:200]!r}")
    return r, data
with open(out, "w") as f:
    for i in range(count):
        _, data = call("POST", "/api/v1/enrollment-tokens", {"note": "polls"})
        enroll_token = json.loads(data)["token"]
        _, data = call("POST", "/api/v1/enroll",
                       {"name": f"sim-{i}", "labels": {"site": f"s{i % 10}"},
                        "agentVersion": "bench", "platform": "linux-x86_64"}, token=enroll_token)
        d = json.loads(data)
        r, _ = call("GET", f"/api/v1/devices/{d['deviceId']}/desired", token=d["credential"])
        f.write(f"{d['deviceId']} {d['credential']} {r.getheader('ETag')}\n")
        if (i + 1) % 1000 == 0:
            print(f"  enrolled {i + 1} of {count}", file=sys.stderr)
PY

cat >"$work/polls.lua" <<'LUA'
local devices = {}
local next_one = 1
function init(args)
  for line in io.lines(args[1]) do
    local id, credential, etag = line:match("(%S+) (%S+) (%S+)")
    devices[#devices + 1] = {id = id, credential = credential, etag = etag}
  end
  next_one = math.random(#devices)
  unchanged = args[2] == "unchanged"
end
function request()
  local d = devices[next_one]
  next_one = next_one % #devices + 1
  local headers = {Authorization = "Bearer " .. d.credential}
  if unchanged then headers["If-None-Match"] = d.etag end
  return wrk.format("GET", "/api/v1/devices/" .. d.id .. "/desired", headers)
end
function done(summary, latency, requests)
  local statuses = summary.errors.status
  io.write(string.format("  requests/s %.0f   p50 %.2f ms   p99 %.2f ms   non-2xx/3xx %d   errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, statuses,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

echo "hub: $verge ($("$verge" --version 2>/dev/null | head -n 1)), $devices devices, $connections connections, ${seconds}s each"
for path in unchanged changed; do
  # A short warm-up so the JIT has compiled the path, then the measured run.
  wrk -t2 -c"$connections" -d3s -s "$work/polls.lua" "http://127.0.0.1:$port" -- "$work/devices.txt" "$path" >/dev/null
  echo "$path ($([ $path = unchanged ] && echo 304 || echo 200)):"
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/polls.lua" "http://127.0.0.1:$port" -- "$work/devices.txt" "$path" | grep "requests/s"
done
