package dev.switchboard.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for something to happen (a late call journalled, a session waiting for a lock, a log
 * line), polling; never a fixed sleep. The bound is only against a hang: reaching it fails the test.
 */
public final class Await {
  /** Long enough that only a hang reaches it on a loaded 2-core machine. */
  public static final Duration HANG = Duration.ofMinutes(1);

  private Await() {
  }

  /** Returns once {@code condition} holds; fails naming {@code what} after {@link #HANG}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, HANG, condition);
  }

  public static void until(String what, Duration atMost, BooleanSupplier condition) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + atMost + ": " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what, e);
      }
    }
  }
}
