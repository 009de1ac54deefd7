package dev.switchboard.testing.fake;

import java.time.Duration;

/** What a fake does instead of answering normally, once or for every matching call. */
public sealed interface Fault {
  /** Answers with this status and the provider's own error body for it. */
  record Status(int status, String code, String message) implements Fault {}

  /** Sleeps this long before answering normally: past the client's timeout. */
  record Delay(Duration delay) implements Fault {}

  /** Sleeps, then performs the request anyway: the client gave up, the provider did not. */
  record DelayThenSucceed(Duration delay) implements Fault {}

  /** Closes the connection without an answer. */
  record Drop() implements Fault {}

  static Fault status(int status) {
    return new Status(status, null, null);
  }

  static Fault status(int status, String code, String message) {
    return new Status(status, code, message);
  }

  static Fault delay(Duration delay) {
    return new Delay(delay);
  }

  static Fault lateSuccess(Duration delay) {
    return new DelayThenSucceed(delay);
  }

  static Fault drop() {
    return new Drop();
  }
}
