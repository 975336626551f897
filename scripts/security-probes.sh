#!/usr/bin/env bash
# Black-box security probes: builds router-cli/target/iron-router.jar if it is missing, then runs
# scripts/security_probes.py against both transports (netty and jdk). Everything runs on 127.0.0.1:
# a Python stub upstream per router, the router jar on a free port, temp config and SQLite file.
# Exit code: 0 all probes passed, 1 some probe failed, 2 setup failed, 130 interrupted.
# Extra arguments go to the Python script: --transport netty|jdk|both, --probes 1,6,7, --keep.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
jar="$repo/router-cli/target/iron-router.jar"
command -v java >/dev/null || { echo "security-probes: java (17+) is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "security-probes: python3 (3.11+) is required" >&2; exit 2; }
if [ ! -f "$jar" ]; then
  echo "# building $jar"
  (cd "$repo" && ./mvnw -B -ntp -q package -DskipTests -pl router-cli -am)
fi
exec python3 "$repo/scripts/security_probes.py" --jar "$jar" "$@"
