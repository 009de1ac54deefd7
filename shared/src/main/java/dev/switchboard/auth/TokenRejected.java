package dev.switchboard.auth;

import dev.switchboard.log.Log;

/**
 * A bearer token that does not pass: the caller is not let in. The reason is a stable code
 * for the log line (never the token, never a claim value); the caller only ever learns that
 * it was refused.
 */
public final class TokenRejected extends RuntimeException implements Log.SafeToLog {
  private final String reason;

  public TokenRejected(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** {@code expired}, {@code wrong_audience}, {@code bad_signature}... */
  public String reason() {
    return reason;
  }
}
