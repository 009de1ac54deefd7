#!/usr/bin/env bash
# The seeded simulation (reliability/.../Simulation.java) for as long as asked, outside Maven, so a
# long run does not hold the build. Usage, from anywhere (it works from the repository root):
#   ./simulate.sh -Dsimulation.minutes=30        seeds from the clock until 30 minutes have passed
#   ./simulate.sh -Dsimulation.seed=42           one seed again (add -Dsimulation.trace=true to see it)
#   other properties: -Dsimulation.firstSeed=N, -Dsimulation.ops=K (operations per client, default 30)
# Compiles the reliability tests and what they depend on (no tests run), writes the test
# classpath, then runs SimulationMain with java. Exit status 1 on a violation.
#   SIMULATE_SKIP_BUILD=1                 run what was last built
#   SIMULATE_MAVEN_LOCK=/tmp/mvn.lock     serialise the build with other Maven runs (flock)
set -euo pipefail
cd "$(dirname "$0")"
if [ "${SIMULATE_SKIP_BUILD:-0}" != 1 ]; then
  build=(./mvnw -B -q test-compile dependency:build-classpath -pl reliability -am
         -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test)
  if [ -n "${SIMULATE_MAVEN_LOCK:-}" ]; then
    flock "$SIMULATE_MAVEN_LOCK" "${build[@]}"
  else
    "${build[@]}"
  fi
fi
exec java -Xmx1g "$@" -cp "reliability/target/test-classes:$(cat reliability/target/test-classpath.txt)" \
  dev.switchboard.reliability.SimulationMain
