#!/usr/bin/env bash
# Measures the candidate HTTP servers on loopback: start time, resident memory, throughput.
# Needs wrk and a JDK 21+ (JAVA_HOME); build first:
#   ./mvnw -B -ntp -q -f verge-bench/http-servers/pom.xml package
# Usage: verge-bench/http-servers/run.sh [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-10}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
cp="target/classes:$(ls target/lib/*.jar | tr '\n' ':')"
port=18480
# The flags `verge agent` starts the agent with, so resident memory compares like for like.
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms16m -Xmx256m -XX:ReservedCodeCacheSize=32m)
rss() { awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$1/status"; }
for server in jdk jetty jetty-virtual helidon; do
  case $server in
    jdk) main=JdkServer; extra= ;;
    jetty) main=JettyServer; extra= ;;
    jetty-virtual) main=JettyServer; extra=virtual ;;
    helidon) main=HelidonServer; extra= ;;
  esac
  t0=$(date +%s%N)
  "$java" "${flags[@]}" -cp "$cp" dev.verge.bench.servers.$main $port $extra >"target/$server.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do sleep 0.01; done
  t1=$(date +%s%N)
  until grep -q "started in" "target/$server.log"; do sleep 0.01; done
  echo "== $server: first answer $(( (t1 - t0) / 1000000 )) ms after launch ($(grep -o 'started in [0-9]* ms' "target/$server.log")); RSS after start $(rss $pid)"
  curl -sf -o /dev/null -d @<(echo '{"inputs":[{"data":[1,2]}]}') "http://127.0.0.1:$port/infer"
  for c in 1 64; do
    echo "-- GET -c$c"; wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d${secs}s --latency "http://127.0.0.1:$port/ready" | grep -E 'Requests/sec|99%'
  done
  for c in 1 16 64; do
    echo "-- POST infer -c$c"; wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d${secs}s --latency -s post.lua "http://127.0.0.1:$port/infer" | grep -E 'Requests/sec|99%'
  done
  echo "RSS after load $(rss $pid)"
  kill $pid; wait $pid 2>/dev/null || true
done
