package dev.switchboard.testing.fake;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a fake does instead of answering normally, once or for every matching call. */
public sealed interface Fault {
  /**
   * Answers with this status and the provider's own error body for it, plus these headers
   * (a provider's hint such as Stripe's {@code Stripe-Should-Retry}).
   */
  record Status(int status, String code, String message, Map<String, String> headers) implements Fault {
    public Status {
      headers = Map.copyOf(headers);
    }

    /** The same answer with one more header. */
    public Status withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Status(status, code, message, more);
    }
  }

  /** Sleeps this long before answering normally: past the client's timeout. */
  record Delay(Duration delay) implements Fault {}

  /** Sleeps, then performs the request anyway: the client gave up, the provider did not. */
  record DelayThenSucceed(Duration delay) implements Fault {}

  /** Closes the connection without an answer. */
  record Drop() implements Fault {}

  static Status status(int status) {
    return new Status(status, null, null, Map.of());
  }

  static Status status(int status, String code, String message) {
    return new Status(status, code, message, Map.of());
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
