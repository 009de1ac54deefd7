package dev.switchboard.json;

/** A JSON text that is not well formed, or a field that is missing or of the wrong type. */
public final class JsonException extends RuntimeException {
  private final String field;

  public JsonException(String message) {
    this(message, null);
  }

  public JsonException(String message, String field) {
    super(message);
    this.field = field;
  }

  /** The dotted path of the offending field, or null when the text itself is malformed. */
  public String field() {
    return field;
  }
}
