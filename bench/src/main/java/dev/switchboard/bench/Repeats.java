package dev.switchboard.bench;

import java.util.Arrays;

/**
 * The figures of one cell measured several times: median with its min-max, the way every
 * benchmark quotes them. This machine is noisy, so no single run is a verdict: a target is
 * "met" only when the median meets it.
 */
final class Repeats {
  /** How many times each cell is measured; {@code BENCH_REPEATS} overrides (at least 1). */
  static final int COUNT = Math.max(1, Integer.parseInt(System.getenv().getOrDefault("BENCH_REPEATS", "5")));

  private final double[] values;

  private Repeats(double[] values) {
    this.values = values.clone();
    Arrays.sort(this.values);
  }

  static Repeats of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    return new Repeats(values);
  }

  double median() {
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  double min() {
    return values[0];
  }

  double max() {
    return values[values.length - 1];
  }

  /** {@code median (min-max)} with {@code format} for each number, e.g. {@code "%.0f"}. */
  String format(String format) {
    return String.format(format + " (" + format + "-" + format + ")", median(), min(), max());
  }

  /** The verdict on a lower bound: met when the median reaches it; says how far the range spreads. */
  String atLeast(double target, String unit) {
    String verdict = median() >= target ? "met" : "NOT MET";
    if (min() < target && median() >= target) {
      verdict += ", not in every run";
    }
    return "≥ " + String.format("%.0f", target) + unit + ": " + verdict;
  }

  /** The verdict on an upper bound: met when the median stays within it. */
  String atMost(double target, String unit) {
    String verdict = median() <= target ? "met" : "NOT MET";
    if (max() > target && median() <= target) {
      verdict += ", not in every run";
    }
    return "≤ " + String.format("%.0f", target) + unit + ": " + verdict;
  }
}
