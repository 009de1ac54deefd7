package dev.switchboard.function.webhookendpoint;

import dev.switchboard.log.Log.SafeToLog;

/** The event's properties (or stack) cannot be registered for this stack; nothing was called. */
final class InvalidProperties extends RuntimeException implements SafeToLog {
  InvalidProperties(String message) {
    super(message);
  }

  /** For {@code Optional.ifPresent}: a reason found means the event is refused. */
  static void raise(String message) {
    throw new InvalidProperties(message);
  }
}
