package dev.switchboard.domain;

import java.util.Optional;

/** Enums whose constants have a lower-case wire and database form. */
public interface WireValue {
  String wire();

  static <E extends Enum<E> & WireValue> Optional<E> parse(Class<E> type, String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (E e : type.getEnumConstants()) {
      if (e.wire().equals(text)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  static <E extends Enum<E> & WireValue> E require(Class<E> type, String text) {
    return parse(type, text).orElseThrow(
        () -> new IllegalStateException("unknown " + type.getSimpleName() + " " + text));
  }
}
