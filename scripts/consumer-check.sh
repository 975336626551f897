#!/usr/bin/env bash
# Uses Iron Router as a user outside this build would, until it is on Maven Central:
#   1. installs every module into the local Maven repository (./mvnw install, tests skipped: CI has just
#      run them with the README's test command);
#   2. builds examples/embedded-quickstart (its own pom, versions from router-bom) against those artifacts
#      and runs its QuickStart: the README's Java quick start against the testkit's FakeProvider, which
#      exits non-zero unless the answer and the cost are right;
#   3. checks QuickStart still holds the README's snippet, the example's class path has no JUnit (the
#      testkit's JUnit support is optional) and the iron-router jar ships no org/junit class.
# Extra arguments go to every Maven call (e.g. -o). Called by .ci/run after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
example="$root/examples/embedded-quickstart"
fail() { echo "consumer check FAILED: $*" >&2; exit 1; }

echo "== install the reactor (no tests)"
./mvnw -B -ntp -q install -DskipTests "$@"

echo "== build examples/embedded-quickstart against the installed artifacts"
./mvnw -B -ntp -q -f "$example/pom.xml" clean package "$@"

echo "== the README's quick start is the one QuickStart runs"
# the README's first java block after "## Quick start (Java)", whitespace removed, minus its closing brace
snippet="$(awk '/^## Quick start \(Java\)/{s=1} s&&/^```java/{b=1;next} b&&/^```/{exit} b' README.md | tr -d '[:space:]')"
[ -n "$snippet" ] || fail "no java block under '## Quick start (Java)' in README.md"
code="$(tr -d '[:space:]' < "$example/src/main/java/io/ironcage/examples/quickstart/QuickStart.java")"
case "$code" in *"${snippet%\}}"*) ;; *) fail "QuickStart.java no longer holds the README's quick start" ;; esac

echo "== run it"
classpath="$(cat "$example/target/classpath.txt")"
case "$classpath" in *junit*|*opentest4j*) fail "JUnit reached the consumer's class path: $classpath" ;; esac
java -cp "$example/target/classes:$classpath" io.ironcage.examples.quickstart.QuickStart

echo "== the iron-router jar ships no JUnit"
jar="$root/router-cli/target/iron-router.jar"
[ -f "$jar" ] || fail "$jar was not built"
if jar tf "$jar" | grep -q '^org/junit/'; then fail "$jar contains org/junit classes"; fi

echo "consumer check passed"
