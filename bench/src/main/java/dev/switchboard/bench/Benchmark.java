package dev.switchboard.bench;

import java.io.PrintStream;

/** One benchmark: a name to select it by, and a run that prints its figures. */
public interface Benchmark {
  String name();

  /** One line: what it measures. */
  String description();

  /** Runs to completion and writes a short report to {@code report}. */
  void run(PrintStream report) throws Exception;
}
