package dev.switchboard.function.webhookendpoint;

import dev.switchboard.log.Log.SafeToLog;

/** The template gave the resource properties that cannot be registered; nothing was called. */
final class InvalidProperties extends RuntimeException implements SafeToLog {
  InvalidProperties(String message) {
    super(message);
  }
}
