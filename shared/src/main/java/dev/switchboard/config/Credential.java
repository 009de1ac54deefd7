package dev.switchboard.config;

import java.util.Optional;

/**
 * A secret setting used as a credential (a database URL with its password, a provider key).
 * When the service refuses it (PostgreSQL 28P01/28000, HTTP 401) the caller asks for a
 * {@link #reread} with the value it used: the store is read once more, and the call is worth
 * retrying only when the store now holds another value (it was rotated); otherwise the refusal
 * stands. The comparison is with the refused value, not with whatever the cache holds by then:
 * the cache may have reached its age, and read the new value, while the call was in flight.
 */
public final class Credential {
  private final Settings settings;
  private final String name;

  public Credential(Settings settings, String name) {
    this.settings = settings;
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The value now: cached for a bounded time by {@link Settings}. */
  public String current() {
    return settings.require(name);
  }

  /** Reads the store again; true when it holds a value other than {@code refused}. */
  public boolean reread(String refused) {
    return refreshed().filter(now -> !now.equals(refused)).isPresent();
  }

  /** Reads the store again now: what it holds (or, while it cannot be reached, the last value). */
  public Optional<String> refreshed() {
    return settings.refresh(name);
  }
}
