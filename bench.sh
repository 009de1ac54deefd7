#!/usr/bin/env bash
# Benchmarks (not tests). Usage: ./bench.sh [name ...]   e.g. ./bench.sh coldstart warm sizes webhook;
# no name lists them. Run from anywhere: it works from the repository root (events/, functions/*/target).
# (Named bench.sh because bench/ is the benchmark module's directory.)
# Builds the bench module and what it depends on (tests skipped), then runs bench/target/bench.jar.
#   BENCH_SKIP_BUILD=1               run the jar as last built
#   BENCH_MAVEN_ARGS="-o"            extra Maven arguments (offline, ...)
#   BENCH_MAVEN_LOCK=/tmp/mvn.lock   serialise the build with other Maven runs (flock)
set -euo pipefail
cd "$(dirname "$0")"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  build=(./mvnw -B -q ${BENCH_MAVEN_ARGS:-} package -pl bench -am -DskipTests)
  if [ -n "${BENCH_MAVEN_LOCK:-}" ]; then
    flock "$BENCH_MAVEN_LOCK" "${build[@]}"
  else
    "${build[@]}"
  fi
fi
exec java -Xmx1g -jar bench/target/bench.jar "$@"
