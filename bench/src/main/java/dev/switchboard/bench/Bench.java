package dev.switchboard.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs the benchmarks named on the command line ({@code ./bench.sh webhook}); with no name, lists
 * them. To add one: a class implementing {@link Benchmark}, and a line in {@link #ALL}.
 */
public final class Bench {
  private static final Map<String, Supplier<Benchmark>> ALL = new LinkedHashMap<>();

  static {
    ALL.put("coldstart", ColdStartBenchmark::new);
    ALL.put("metrics", () -> new ColdStartBenchmark(true));
    ALL.put("warm", WarmBenchmark::new);
    ALL.put("sizes", SizesBenchmark::new);
    ALL.put("webhook", WebhookBenchmark::new);
    ALL.put("priming", () -> new PrimingBenchmark(false));
    ALL.put("preload", () -> new PrimingBenchmark(true));
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    // The fakes are JDK HttpServers: without TCP_NODELAY each answer's second write waits for the
    // client's delayed ACK (~40 ms), a latency no real provider adds. Read once, when the first starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    PrintStream report = System.out;
    if (args.length == 0) {
      report.println("usage: ./bench.sh <name> [<name> ...] | all");
      ALL.forEach((name, make) -> report.println("  " + name + ": " + make.get().description()));
      return;
    }
    List<Benchmark> selected = new ArrayList<>();
    for (String arg : args) {
      if ("all".equals(arg)) {
        ALL.values().forEach(make -> selected.add(make.get()));
      } else if (ALL.containsKey(arg)) {
        selected.add(ALL.get(arg).get());
      } else {
        System.err.println("unknown benchmark: " + arg + " (known: " + String.join(", ", ALL.keySet()) + ")");
        System.exit(2);
      }
    }
    for (Benchmark b : selected) {
      report.println("== " + b.name() + ": " + b.description());
      b.run(report);
    }
    System.exit(0); // the embedded database's shutdown hook stops it
  }
}
