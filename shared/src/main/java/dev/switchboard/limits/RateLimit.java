package dev.switchboard.limits;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.ApiResponses;
import java.time.Duration;
import java.util.Map;

/**
 * At most {@code max} of one action per organisation in {@code window}; a {@code max} of 0
 * turns the limit off. The limits protect what all tenants share (the platform's Twilio
 * account and its rate limit) from one tenant's burst; they live in PostgreSQL, which every
 * function already uses, so no other service is needed.
 */
public record RateLimit(String action, int max, Duration window) {
  public RateLimit {
    if (max < 0 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("a rate limit needs max >= 0 and a positive window");
    }
  }

  public boolean isOn() {
    return max > 0;
  }

  /** How much of the limit an organisation has used: a count, and when the window frees up. */
  public record Usage(long count, long secondsUntilFree) {
    /** With the action about to happen counted too. */
    public Usage plusOne() {
      return new Usage(count + 1, secondsUntilFree);
    }
  }

  /** 429 {@code rate_limited} with Retry-After when {@code usage} is over the limit. */
  public void check(Usage usage, String what) {
    if (isOn() && usage.count() > max) {
      long retryAfter = Math.max(1, usage.secondsUntilFree());
      throw new SwitchboardException(ErrorCode.RATE_LIMITED,
          "too many " + what + " for this organisation (at most " + max + " per " + describe(window)
              + "); try again in " + retryAfter + " s",
          Map.of(ApiResponses.RETRY_AFTER_SECONDS, retryAfter, "limit", max,
              "windowSeconds", window.toSeconds()));
    }
  }

  private static String describe(Duration window) {
    if (window.toSeconds() % 3600 == 0) {
      return window.toHours() == 1 ? "hour" : window.toHours() + " hours";
    }
    return window.toSeconds() % 60 == 0
        ? (window.toMinutes() == 1 ? "minute" : window.toMinutes() + " minutes")
        : window.toSeconds() + " s";
  }
}
