package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link Simulation}: in {@code ./mvnw verify} a fixed handful of seeds with a small
 * budget; with system properties, one seed again or as many seeds as fit in a time:
 * <ul>
 *   <li>{@code -Dsimulation.seed=N}: replays seed N (the same schedule; threads may interleave
 *       differently, so read the trace);</li>
 *   <li>{@code -Dsimulation.minutes=M}: runs seeds from {@code simulation.firstSeed} (default:
 *       the clock) until M minutes have passed, and reports operations/s, faults by kind, seeds;</li>
 *   <li>{@code -Dsimulation.ops=K}: operations per client (default 30);</li>
 *   <li>{@code -Dsimulation.trace=true}: prints every seed's trace, not only a failing one's.</li>
 * </ul>
 * A violation fails with the seed, the first violated property and the trace's end; the whole
 * trace is written to {@code target/simulation/seed-N.trace}.
 */
class SimulationTest {
  /** The CI budget: fixed seeds, so a red build is the same red build on every machine. */
  private static final long[] CI_SEEDS = {1, 2, 3};

  @Test
  void seededSimulations_keepTheMoneyAndTheNumbersRight() {
    int ops = Integer.getInteger("simulation.ops", 30);
    List<Simulation.Result> results = new ArrayList<>();
    if (System.getProperty("simulation.seed") != null) {
      results.add(runSeed(Long.parseLong(System.getProperty("simulation.seed")), ops));
    } else if (System.getProperty("simulation.minutes") != null) {
      Duration budget = Duration.ofSeconds((long) (Double.parseDouble(System.getProperty("simulation.minutes")) * 60));
      long seed = Long.getLong("simulation.firstSeed", System.currentTimeMillis());
      long end = System.nanoTime() + budget.toNanos();
      while (System.nanoTime() < end) {
        Simulation.Result r = runSeed(seed++, ops);
        results.add(r);
        if (r.violation() != null) {
          break;
        }
      }
    } else {
      for (long seed : CI_SEEDS) {
        Simulation.Result r = runSeed(seed, ops);
        results.add(r);
        if (r.violation() != null) {
          break;
        }
      }
    }
    report(results);
    results.stream().filter(r -> r.violation() != null).findFirst().ifPresent(SimulationTest::failWith);
  }

  private static Simulation.Result runSeed(long seed, int ops) {
    Simulation.Result r = Simulation.run(seed, ops);
    if (Boolean.getBoolean("simulation.trace")) {
      r.trace().forEach(System.out::println);
    }
    System.out.println(r.summary());
    return r;
  }

  private static void report(List<Simulation.Result> results) {
    long operations = results.stream().mapToLong(Simulation.Result::operations).sum();
    long millis = results.stream().mapToLong(r -> r.took().toMillis()).sum();
    Map<String, Long> faults = Simulation.sum(results.stream().map(Simulation.Result::faults).toList());
    System.out.printf("simulation: %d seeds (%d..%d), %d operations in %.1f s (%.1f ops/s), %d faults injected: %s%n",
        results.size(), results.get(0).seed(), results.get(results.size() - 1).seed(), operations, millis / 1000.0,
        operations * 1000.0 / Math.max(1, millis), faults.values().stream().mapToLong(Long::longValue).sum(), faults);
  }

  private static void failWith(Simulation.Result r) {
    Path file = Path.of("reliability/target/simulation/seed-" + r.seed() + ".trace");
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, r.trace());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    fail("simulation seed " + r.seed() + " (" + r.config() + ") violated: " + r.violation().getMessage()
        + "\nreplay: -Dsimulation.seed=" + r.seed() + " -Dsimulation.ops=" + r.config().opsPerClient()
        + "\nwhole trace: " + file.toAbsolutePath() + "\nthe trace's end:\n" + Simulation.tail(r.trace(), 60),
        r.violation());
  }
}
