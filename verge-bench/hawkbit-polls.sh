#!/usr/bin/env bash
# Eclipse hawkBit's DDI poll per second, for docs/benchmarks.md ("Hub: desired-state polls"), the
# counterpart of polls.sh. HAWKBIT_JAR=path/to/hawkbit-update-server-<version>.jar, built from
# hawkBit's public sources as docs/benchmarks.md describes: this script never downloads or builds
# hawkBit, and none of its code is kept here. It starts that monolith (its default in-memory H2
# database, target security token authentication on, files in a temporary folder), creates
# POLL_DEVICES targets (default 10000) through its management API, each with its own security
# token, polls each once to learn its ETag, then runs wrk (POLL_CONNECTIONS connections, default
# 16, for POLL_SECONDS, default 15, after a warm-up of POLL_WARMUP s, default 3 as in polls.sh)
# over all of them, each request GET /DEFAULT/controller/v1/{controllerId} for the next target in
# turn with "Authorization: TargetToken <its token>":
#   unchanged  If-None-Match: the target's ETag -> 304 (hawkBit's shallow ETag filter: the whole
#              answer is still built, then only hashed)
#   changed    no If-None-Match -> 200 with the controller base resource (what a DDI client sends)
# and prints requests/s with wrk's latency percentiles in polls.sh's format, then hawkBit's
# resident memory (VmRSS) idle, with the targets (created and each polled once), and after the runs.
# HAWKBIT_JAVA: the java to run it with (hawkBit 1.1 needs 21 or later; default $JAVA_HOME/bin/java,
# else java); HAWKBIT_JAVA_OPTS: JVM options (default none: the JVM's own, as for the hub).
# Usage: HAWKBIT_JAR=... verge-bench/hawkbit-polls.sh    Needs wrk, python3, curl. Leaves nothing behind.
set -euo pipefail
jar=${HAWKBIT_JAR:?hawkbit-polls: set HAWKBIT_JAR to a built hawkbit-update-server jar (see docs/benchmarks.md)}
[ -f "$jar" ] || { echo "hawkbit-polls: no file $jar" >&2; exit 2; }
java=${HAWKBIT_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
devices=${POLL_DEVICES:-10000}
connections=${POLL_CONNECTIONS:-16}
seconds=${POLL_SECONDS:-15}
warmup=${POLL_WARMUP:-3}
command -v wrk >/dev/null || { echo "hawkbit-polls: needs wrk (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hawkbit-polls.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
rss_mib() { awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The monolith's defaults (admin/admin on tenant DEFAULT, H2 in memory), only the DDI target token
# switched on for the whole system (the tenant setting defaults to it) and the port and artifact
# folder moved; run from $work so nothing it writes lands elsewhere.
# shellcheck disable=SC2086
(cd "$work" && exec "$java" ${HAWKBIT_JAVA_OPTS:-} -jar "$jar" \
  --server.address=127.0.0.1 --server.port="$port" \
  --hawkbit.server.ddi.security.authentication.targettoken.enabled=true \
  --org.eclipse.hawkbit.artifact.fs.path="$work/artifactrepo") >"$work/hawkbit.log" 2>&1 &
hawkbit_pid=$!
pids+=("$hawkbit_pid")
deadline=$((SECONDS + 240))
until curl -sf --max-time 5 -u admin:admin \
  "http://127.0.0.1:$port/rest/v1/system/configs/authentication.targettoken.enabled" 2>/dev/null |
  grep -q '"value":true'; do
  if ! kill -0 "$hawkbit_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "hawkbit-polls: hawkBit did not start (or target token authentication is off); its log:" >&2
    tail -50 "$work/hawkbit.log" >&2
    exit 1
  fi
  sleep 1
done
sleep 5 # let the start-up's background work settle before reading the idle footprint
rss_idle=$(rss_mib "$hawkbit_pid")

# Create the targets, 500 to a request, each with its own random token, then poll each once as
# wrk will (same Host header) to learn its ETag; one line per target: id token etag.
python3 - "$port" "$devices" "$work/targets.txt" <<'PY'
import base64, http.client, json, secrets, sys
port, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
admin = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode(),
         "Content-Type": "application/json"}
def call(method, path, body=None, headers=admin):
    c.request(method, path, None if body is None else json.dumps(body), headers)
    r = c.getresponse()
    data = r.read()
    if r.status >= 400:
        sys.exit(f"hawkbit-polls: {method} {path} answered {r.status}: {data[:200]!r}")
    return r, data
targets = []
for start in range(0, count, 500):
    batch = [{"controllerId": f"sim-{i}", "name": f"sim-{i}", "securityToken": secrets.token_hex(16)}
             for i in range(start, min(start + 500, count))]
    call("POST", "/rest/v1/targets", batch)
    targets += batch
    if (start + len(batch)) % 1000 == 0:
        print(f"  created {start + len(batch)} of {count}", file=sys.stderr)
with open(out, "w") as f:
    for t in targets:
        poll = {"Authorization": "TargetToken " + t["securityToken"]}
        r, _ = call("GET", f"/DEFAULT/controller/v1/{t['controllerId']}", headers=poll)
        if r.status != 200 or not r.getheader("ETag"):
            sys.exit(f"hawkbit-polls: the DDI poll of {t['controllerId']} answered {r.status}"
                     f" with ETag {r.getheader('ETag')!r}")
        f.write(f"{t['controllerId']} {t['securityToken']} {r.getheader('ETag')}\n")
# The unchanged path must really be answered 304, and a wrong token refused.
line = open(out).readline().split()
r, _ = call("GET", f"/DEFAULT/controller/v1/{line[0]}",
            headers={"Authorization": "TargetToken " + line[1], "If-None-Match": line[2]})
if r.status != 304:
    sys.exit(f"hawkbit-polls: a poll with the target's ETag answered {r.status}, not 304")
c.request("GET", f"/DEFAULT/controller/v1/{line[0]}", headers={"Authorization": "TargetToken wrong"})
r = c.getresponse(); r.read()
if r.status != 401:
    sys.exit(f"hawkbit-polls: a poll with a wrong token answered {r.status}, not 401")
PY
rss_targets=$(rss_mib "$hawkbit_pid")

cat >"$work/polls.lua" <<'LUA'
local targets = {}
local next_one = 1
function init(args)
  for line in io.lines(args[1]) do
    local id, token, etag = line:match("(%S+) (%S+) (%S+)")
    targets[#targets + 1] = {id = id, token = token, etag = etag}
  end
  next_one = math.random(#targets)
  unchanged = args[2] == "unchanged"
end
function request()
  local t = targets[next_one]
  next_one = next_one % #targets + 1
  local headers = {Authorization = "TargetToken " .. t.token}
  if unchanged then headers["If-None-Match"] = t.etag end
  return wrk.format("GET", "/DEFAULT/controller/v1/" .. t.id, headers)
end
function done(summary, latency, requests)
  local statuses = summary.errors.status
  io.write(string.format("  requests/s %.0f   p50 %.2f ms   p99 %.2f ms   non-2xx/3xx %d   errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, statuses,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

echo "hawkBit: $(basename "$jar") ($("$java" -version 2>&1 | head -n 1)), $devices targets, $connections connections, ${seconds}s each"
for path in unchanged changed; do
  # A short warm-up so the JIT has compiled the path, then the measured run.
  wrk -t2 -c"$connections" -d"${warmup}s" -s "$work/polls.lua" "http://127.0.0.1:$port" -- "$work/targets.txt" "$path" >/dev/null
  echo "$path ($([ $path = unchanged ] && echo 304 || echo 200)):"
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/polls.lua" "http://127.0.0.1:$port" -- "$work/targets.txt" "$path" | grep "requests/s"
done
echo "hawkBit resident memory: idle $rss_idle MiB, with $devices targets polled once $rss_targets MiB, after the runs $(rss_mib "$hawkbit_pid") MiB"
