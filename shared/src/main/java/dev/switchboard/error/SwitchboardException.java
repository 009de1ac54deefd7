package dev.switchboard.error;

import dev.switchboard.log.Log.SafeToLog;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure the caller is told about: it carries its {@link ErrorCode} and the extra fields
 * that go inside the error envelope. Its message is written for people and is safe to show:
 * never put a secret, a SQL text or a provider's raw body in it.
 */
public class SwitchboardException extends RuntimeException implements SafeToLog {
  private final ErrorCode code;
  private final Map<String, Object> details;

  public SwitchboardException(ErrorCode code, String message) {
    this(code, message, Map.of(), null);
  }

  public SwitchboardException(ErrorCode code, String message, Map<String, Object> details) {
    this(code, message, details, null);
  }

  public SwitchboardException(
      ErrorCode code, String message, Map<String, Object> details, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public ErrorCode code() {
    return code;
  }

  public Map<String, Object> details() {
    return details;
  }

  public static SwitchboardException invalid(String message) {
    return new SwitchboardException(ErrorCode.INVALID_REQUEST, message);
  }

  public static SwitchboardException invalidField(String field, String message) {
    return new SwitchboardException(ErrorCode.INVALID_REQUEST, message, Map.of("field", field));
  }

  public static SwitchboardException notFound(String what) {
    return new SwitchboardException(ErrorCode.NOT_FOUND, what + " not found");
  }

  public static SwitchboardException orgNotFound() {
    return new SwitchboardException(ErrorCode.ORG_NOT_FOUND, "organisation not found");
  }
}
