package dev.switchboard.domain;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Strict uuid parsing: UUID.fromString accepts forms like "1-2-3-4-5" that we must not. */
public final class Ids {
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Ids() {}

  public static Optional<UUID> parseUuid(String text) {
    if (text == null || !UUID_TEXT.matcher(text).matches()) {
      return Optional.empty();
    }
    return Optional.of(UUID.fromString(text));
  }
}
