#!/usr/bin/env bash
# Verge's desired-state poll against Eclipse hawkBit's DDI poll in the same run, for
# docs/benchmarks.md ("Hub: desired-state polls"): polls.sh (the hub) and hawkbit-polls.sh
# (hawkBit's monolith) alternately, POLL_ROUNDS rounds (default 2: Verge, hawkBit, Verge,
# hawkBit), with the same POLL_DEVICES, POLL_CONNECTIONS and POLL_SECONDS, then a table of every
# run and, per round, Verge's 304 path over each of hawkBit's paths.
# HAWKBIT_JAR=path/to/hawkbit-update-server-<version>.jar (required; see docs/benchmarks.md for
# building it), VERGE_BIN=path/to/bin/verge (optional, else ./verge); both scripts' other
# variables pass through.
# Usage: HAWKBIT_JAR=... verge-bench/polls-side-by-side.sh    Leaves nothing behind.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${HAWKBIT_JAR:?polls-side-by-side: set HAWKBIT_JAR to a built hawkbit-update-server jar (see docs/benchmarks.md)}"
rounds=${POLL_ROUNDS:-2}
out=$(mktemp -d "${TMPDIR:-/tmp}/polls-side-by-side.XXXXXX")
trap 'rm -rf "$out"' EXIT

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds: Verge"
  "$here/polls.sh" | tee "$out/verge-$round.txt"
  echo "== round $round of $rounds: hawkBit"
  "$here/hawkbit-polls.sh" | tee "$out/hawkbit-$round.txt"
done

# One row per measured run, tab-separated: system round path polls/s p50 p99.
rows() {
  awk -v sys="$1" -v round="$2" '
    /^(unchanged|changed) \((304|200)\):$/ { path = $1 " " $2; sub(/:$/, "", path) }
    /requests\/s/ { print sys "\t" round "\t" path "\t" $2 "\t" $4 " ms\t" $7 " ms" }' "$3"
}
echo
echo "$(grep -h '^hub:' "$out/verge-1.txt")"
echo "$(grep -h '^hawkBit:' "$out/hawkbit-1.txt")"
echo
echo "| system | round | path | polls/s | p50 | p99 |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$rounds"); do
  rows Verge "$round" "$out/verge-$round.txt"
  rows hawkBit "$round" "$out/hawkbit-$round.txt"
done | awk -F'\t' '{ print "| " $1 " | " $2 " | " $3 " | " $4 " | " $5 " | " $6 " |" }'
echo
for round in $(seq 1 "$rounds"); do
  v304=$(rows Verge "$round" "$out/verge-$round.txt" | awk -F'\t' '$3 == "unchanged (304)" { print $4 }')
  h304=$(rows hawkBit "$round" "$out/hawkbit-$round.txt" | awk -F'\t' '$3 == "unchanged (304)" { print $4 }')
  h200=$(rows hawkBit "$round" "$out/hawkbit-$round.txt" | awk -F'\t' '$3 == "changed (200)" { print $4 }')
  awk -v r="$round" -v v="$v304" -v h2="$h200" -v h3="$h304" 'BEGIN {
    printf "round %s: Verge 304 / hawkBit plain DDI poll (200) = %.1fx; / hawkBit with If-None-Match (304) = %.1fx\n",
      r, v / h2, v / h3 }'
  grep -h '^hawkBit resident memory' "$out/hawkbit-$round.txt" | sed "s/^/round $round: /"
done
