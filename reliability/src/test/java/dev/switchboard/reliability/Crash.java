package dev.switchboard.reliability;

/**
 * The function dying: an Error, which no saga catches, thrown at a chosen point. Lambda would
 * freeze or kill the container there; what was committed stays, what was not is lost.
 */
final class Crash extends Error {
  Crash(String where) {
    super("the function died " + where, null, false, false);
  }
}
