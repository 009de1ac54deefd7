package dev.switchboard.config;

import java.util.Optional;

/**
 * A secret setting used as a credential (a database URL with its password, a provider key).
 * When the service refuses it (PostgreSQL 28P01/28000, HTTP 401) the caller asks for a
 * {@link #reread}: the store is read once more, and the call is worth retrying only when the
 * value changed (it was rotated since it was cached); otherwise the refusal stands.
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

  /** Reads the store again; true when the value differs from the one that was refused. */
  public boolean reread() {
    Optional<String> before = settings.get(name);
    Optional<String> after = settings.refresh(name);
    return after.isPresent() && !after.equals(before);
  }
}
