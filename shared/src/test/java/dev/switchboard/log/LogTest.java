package dev.switchboard.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The record format Lambda's JSON log handling and our metric filters read. */
class LogTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private List<JsonObject> records() {
    return bytes.toString(StandardCharsets.UTF_8).lines().map(Json::parseObject).toList();
  }

  @Test
  void aRecord_hasAnRfc3339Timestamp_theLevel_andTheEventTheMetricFiltersMatch() {
    Instant before = Instant.now();
    Log.to("LogTest", Log.Level.INFO, out).warn("numbers.checked", "count", 2);

    JsonObject record = records().get(0);
    Instant at = Instant.parse(record.optString("timestamp").orElseThrow());
    assertFalse(at.isBefore(before), record.toString());
    assertFalse(record.optString("ts").isPresent(), "Lambda and CloudWatch read timestamp, not ts");
    assertEquals("WARN", record.optString("level").orElseThrow());
    assertEquals("numbers.checked", record.optString("event").orElseThrow());
    assertEquals(2L, record.optLong("count").orElseThrow());
  }

  @Test
  void insideARequest_everyRecordCarriesItsAwsRequestId_andNoneAfterwards() {
    Log log = Log.to("LogTest", Log.Level.INFO, out);

    log.info("before");
    Log.inRequest("req-1", () -> {
      log.info("first");
      log.error("second", new IllegalStateException("boom"));
      return null;
    });
    log.info("after");

    List<JsonObject> records = records();
    assertFalse(records.get(0).optString("requestId").isPresent());
    assertEquals("req-1", records.get(1).optString("requestId").orElseThrow());
    assertEquals("req-1", records.get(2).optString("requestId").orElseThrow());
    assertFalse(records.get(3).optString("requestId").isPresent(), "cleared after the request");
    assertTrue(Log.requestId().isEmpty());
  }

  @Test
  void aRequestThatThrows_stillClearsItsId_soTheNextInvocationDoesNotInheritIt() {
    Log log = Log.to("LogTest", Log.Level.INFO, out);

    assertThrows(IllegalStateException.class, () -> Log.inRequest("req-failed", () -> {
      throw new IllegalStateException("the handler failed");
    }));
    Log.inRequest(null, () -> {
      log.info("a priming call has no request id");
      return null;
    });

    assertFalse(records().get(0).optString("requestId").isPresent());
    assertTrue(Log.requestId().isEmpty());
  }

  @Test
  void anotherThread_duringARequest_doesNotSeeItsId() throws Exception {
    Log log = Log.to("LogTest", Log.Level.INFO, out);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch written = new CountDownLatch(1);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      other.submit(() -> Log.inRequest("req-a", () -> {
        inside.countDown();
        await(written);
        return null;
      }));
      assertTrue(inside.await(5, TimeUnit.SECONDS));
      log.info("from another thread");
      written.countDown();
    } finally {
      other.shutdown();
      assertTrue(other.awaitTermination(5, TimeUnit.SECONDS));
    }

    assertFalse(records().get(0).optString("requestId").isPresent());
  }

  @Test
  void aNestedRequest_restoresTheOuterIdAfterwards() {
    Log log = Log.to("LogTest", Log.Level.INFO, out);

    Log.inRequest("outer", () -> {
      Log.inRequest("inner", () -> null);
      log.info("back in the outer request");
      return null;
    });

    assertEquals("outer", records().get(0).optString("requestId").orElseThrow());
  }

  @Test
  void lambdasApplicationLogLevel_dropsWhatIsBelowIt() {
    Log log = Log.to("LogTest", Log.Level.fromLambda("WARN"), out);

    log.info("dropped");
    log.warn("kept");
    log.error("kept too", new IllegalStateException());

    assertEquals(List.of("kept", "kept too"),
        records().stream().map(r -> r.optString("event").orElseThrow()).toList());
  }

  @Test
  void theLevelLambdaSets_isReadAsLambdaWritesIt_andAnythingElseMeansInfo() {
    assertEquals(Log.Level.ERROR, Log.Level.fromLambda("ERROR"));
    assertEquals(Log.Level.DEBUG, Log.Level.fromLambda("debug"));
    assertEquals(Log.Level.FATAL, Log.Level.fromLambda("FATAL"));
    assertEquals(Log.Level.INFO, Log.Level.fromLambda(null));
    assertEquals(Log.Level.INFO, Log.Level.fromLambda(""));
    assertEquals(Log.Level.INFO, Log.Level.fromLambda("LOUD"));
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
