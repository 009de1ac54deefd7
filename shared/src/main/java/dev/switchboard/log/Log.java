package dev.switchboard.log;

import dev.switchboard.json.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One-line JSON log records on standard output, which Lambda ships to CloudWatch.
 *
 * <p>Fields are values we chose to log (ids, statuses, step names), never request bodies,
 * headers or configuration, so no secret can reach a log through here. An exception is
 * logged by its class and our own message only: provider SDK messages may echo a request.
 */
public final class Log {
  private final String logger;

  private Log(String logger) {
    this.logger = logger;
  }

  public static Log of(Class<?> type) {
    return new Log(type.getSimpleName());
  }

  public void info(String event, Object... fields) {
    write("INFO", event, null, fields);
  }

  public void warn(String event, Object... fields) {
    write("WARN", event, null, fields);
  }

  public void error(String event, Throwable error, Object... fields) {
    write("ERROR", event, error, fields);
  }

  private void write(String level, String event, Throwable error, Object... fields) {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("ts", Instant.now().toString());
    record.put("level", level);
    record.put("logger", logger);
    record.put("event", event);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      record.put(String.valueOf(fields[i]), fields[i + 1]);
    }
    if (error != null) {
      record.put("errorType", error.getClass().getName());
      if (error instanceof SafeToLog) {
        record.put("errorMessage", error.getMessage());
      }
    }
    PrintStream out = System.out;
    out.println(Json.write(record));
  }

  /** Marks exceptions whose message we wrote ourselves and that carry no secret. */
  public interface SafeToLog {}
}
