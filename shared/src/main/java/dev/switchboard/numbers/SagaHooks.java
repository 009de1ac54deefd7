package dev.switchboard.numbers;

/**
 * Called after each durable step of a saga. Production uses {@link #NONE}; the tests throw
 * from here to prove that a function dying between two steps loses nothing.
 */
@FunctionalInterface
public interface SagaHooks {
  SagaHooks NONE = step -> { };

  void after(String step);
}
