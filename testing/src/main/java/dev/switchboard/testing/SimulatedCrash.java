package dev.switchboard.testing;

/**
 * Thrown from a saga's test hook: the function dies at that point. An Error, not an
 * exception, because a dying Lambda runs none of the saga's own failure handling.
 */
public final class SimulatedCrash extends Error {
  public SimulatedCrash(String step) {
    super("simulated crash after " + step);
  }
}
