package dev.switchboard.log;

import dev.switchboard.json.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One-line JSON log records on standard output, which Lambda ships to CloudWatch.
 *
 * <p>Each record has {@code timestamp} (RFC 3339, UTC) and {@code level}: the two fields
 * Lambda's JSON log format reads to filter application logs by level, with {@code event} the
 * stable name the metric filters match. Inside an invocation ({@link #inRequest}) every record
 * also carries {@code requestId}, the AWS request id Lambda's own START/END/REPORT records
 * carry, so one query finds every line of one invocation.
 *
 * <p>Fields are values we chose to log (ids, statuses, step names), never request bodies,
 * headers or configuration, so no secret can reach a log through here. An exception is
 * logged by its class and our own message only: provider SDK messages may echo a request.
 */
public final class Log {
  /**
   * What Lambda's ApplicationLogLevel asks for: Lambda sets AWS_LAMBDA_LOG_LEVEL when the
   * function uses the JSON log format (and drops records below it anyway). Read once: a new
   * level is a new function version, and so a new SnapStart snapshot.
   */
  private static final Level THRESHOLD = Level.fromLambda(System.getenv("AWS_LAMBDA_LOG_LEVEL"));
  /** The invocation the current thread serves; set and cleared by {@link #inRequest}. */
  private static final ThreadLocal<String> REQUEST_ID = new ThreadLocal<>();

  private final String logger;
  private final Level threshold;
  private final Supplier<PrintStream> out;

  private Log(String logger, Level threshold, Supplier<PrintStream> out) {
    this.logger = logger;
    this.threshold = threshold;
    this.out = out;
  }

  public static Log of(Class<?> type) {
    // System.out is read at each write: the local runner and tests redirect it
    return new Log(type.getSimpleName(), THRESHOLD, () -> System.out);
  }

  /** A log writing to {@code out} from {@code threshold} up (tests). */
  static Log to(String logger, Level threshold, PrintStream out) {
    return new Log(logger, threshold, () -> out);
  }

  /**
   * Runs one invocation's work with its AWS request id on every record written by this thread,
   * and clears it afterwards, however the work ends, so a warm container's next invocation (or
   * another request's thread in the local runner) never inherits it. A null or blank id (a
   * priming call, a test without a context) adds nothing.
   */
  public static <T> T inRequest(String awsRequestId, Supplier<T> work) {
    String outer = REQUEST_ID.get();
    if (awsRequestId == null || awsRequestId.isBlank()) {
      REQUEST_ID.remove();
    } else {
      REQUEST_ID.set(awsRequestId);
    }
    try {
      return work.get();
    } finally {
      if (outer == null) {
        REQUEST_ID.remove();
      } else {
        REQUEST_ID.set(outer);
      }
    }
  }

  /** The AWS request id this thread is serving, if any (to hand to a worker thread). */
  public static Optional<String> requestId() {
    return Optional.ofNullable(REQUEST_ID.get());
  }

  public void debug(String event, Object... fields) {
    write(Level.DEBUG, event, null, fields);
  }

  public void info(String event, Object... fields) {
    write(Level.INFO, event, null, fields);
  }

  public void warn(String event, Object... fields) {
    write(Level.WARN, event, null, fields);
  }

  public void error(String event, Throwable error, Object... fields) {
    write(Level.ERROR, event, error, fields);
  }

  /**
   * A record that must reach CloudWatch at any log level: an embedded metric ({@link Metrics}),
   * which is lost if its line is dropped. Lambda drops application records below its
   * ApplicationLogLevel by their {@code level} field (a record without one counts as INFO), so
   * this one is INFO, or the threshold itself when that is higher.
   */
  void always(String event, Object... fields) {
    write(threshold.ordinal() > Level.INFO.ordinal() ? threshold : Level.INFO, event, null, fields);
  }

  private void write(Level level, String event, Throwable error, Object... fields) {
    if (level.ordinal() < threshold.ordinal()) {
      return;
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("timestamp", Instant.now().toString());
    record.put("level", level.name());
    record.put("logger", logger);
    record.put("event", event);
    String requestId = REQUEST_ID.get();
    if (requestId != null) {
      record.put("requestId", requestId);
    }
    for (int i = 0; i + 1 < fields.length; i += 2) {
      record.put(String.valueOf(fields[i]), fields[i + 1]);
    }
    if (error != null) {
      record.put("errorType", error.getClass().getName());
      if (error instanceof SafeToLog) {
        record.put("errorMessage", error.getMessage());
      }
    }
    out.get().println(Json.write(record));
  }

  /** Lambda's application log levels, least severe first. */
  enum Level {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    /** Lambda's value of AWS_LAMBDA_LOG_LEVEL; unset or unknown: INFO, Lambda's default. */
    static Level fromLambda(String value) {
      if (value == null || value.isBlank()) {
        return INFO;
      }
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return INFO;
      }
    }
  }

  /** Marks exceptions whose message we wrote ourselves and that carry no secret. */
  public interface SafeToLog {}
}
