package dev.switchboard.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/** A phone number in E.164 form: "+" and 8 to 15 digits, the first not zero. */
public record E164Number(String value) {
  private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{7,14}");

  public E164Number {
    if (value == null || !E164.matcher(value).matches()) {
      throw new IllegalArgumentException("not an E.164 number");
    }
  }

  public static Optional<E164Number> parse(String text) {
    return text != null && E164.matcher(text).matches()
        ? Optional.of(new E164Number(text))
        : Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
