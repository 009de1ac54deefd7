package dev.switchboard.config;

import dev.switchboard.log.Log.SafeToLog;

/** A required setting is absent or malformed; thrown at start-up, naming the variable. */
public final class MissingConfigException extends RuntimeException implements SafeToLog {
  private final String name;

  public MissingConfigException(String name) {
    this(name, "missing required setting " + name);
  }

  public MissingConfigException(String name, String message) {
    super(message);
    this.name = name;
  }

  public String name() {
    return name;
  }
}
