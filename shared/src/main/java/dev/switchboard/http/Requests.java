package dev.switchboard.http;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.JsonException;
import java.util.Map;

/** Turns parse failures into the 400 the client sees, naming the field where there is one. */
public final class Requests {
  private Requests() {}

  public static SwitchboardException invalid(JsonException e) {
    Map<String, Object> details = e.field() == null ? Map.of() : Map.of("field", e.field());
    return new SwitchboardException(ErrorCode.INVALID_REQUEST, e.getMessage(), details, e);
  }
}
