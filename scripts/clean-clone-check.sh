#!/usr/bin/env bash
# Clones this repository's committed HEAD into a temporary folder and runs the README's two commands there,
# as a newcomer would: the run command (stopped with Ctrl-C after its sample requests) and the test command.
# Use it before a release, or before handing work over; it is not part of `verify`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"

echo "== run command (README), stopped with SIGINT after 30 s"
set +e
(./mvnw -B -ntp -q package -DskipTests -pl router-cli -am \
  && timeout -s INT 30 java -jar router-cli/target/iron-router.jar demo --port 0) > "$work/run.log" 2>&1
set -e
cat "$work/run.log"
grep -q "Spend summary" "$work/run.log" || { echo "FAILED: the demo did not finish with a spend summary"; exit 1; }
grep -q "402  refused" "$work/run.log" || { echo "FAILED: the demo's budget refusal is missing"; exit 1; }

echo "== test command (README)"
./mvnw -B -ntp verify
echo "clean-clone check passed"
