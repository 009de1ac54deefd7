package dev.switchboard.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.EmittedMetrics;
import dev.switchboard.testing.EmittedMetrics.Datum;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The embedded-metric records: valid EMF documents that are also our log records, and never lost to the log level. */
class MetricsTest {
  private static final Instant NOW = Instant.parse("2026-12-08T01:00:00Z");
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private Metrics metrics(Log.Level threshold) {
    return new Metrics(Log.to("Metrics", threshold, out), "Switchboard/test-stack", Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aRecord_isAnEmbeddedMetricFormatDocument_withItsDimensionsAndUnits() {
    metrics(Log.Level.INFO).write(List.of(Metric.PROVIDER_LATENCY, Metric.PROVIDER_ERRORS), new long[] {182, 1},
        "twilio", "buy");

    List<Datum> data = EmittedMetrics.read(output());

    Map<String, String> dimensions = Map.of("Provider", "twilio", "Operation", "buy");
    assertEquals(List.of(
        new Datum("Switchboard/test-stack", "ProviderLatency", "Milliseconds", dimensions, 182),
        new Datum("Switchboard/test-stack", "ProviderErrors", "Count", dimensions, 1)), data);
    JsonObject record = Json.parseObject(output().strip());
    assertEquals(NOW.toEpochMilli(), record.object("_aws").longValue("Timestamp"));
    // and a log record like any other, so one query finds it beside its request's lines
    assertEquals("metrics", record.string("event"));
    assertEquals("INFO", record.string("level"));
  }

  @Test
  void dimensionlessMetrics_haveOneEmptyDimensionSet() {
    Map<Metric, Long> values = new EnumMap<>(Metric.class);
    values.put(Metric.TOP_UPS_CREDITED, 1L);
    values.put(Metric.TOP_UP_PENCE_CREDITED, 5_000L);
    metrics(Log.Level.INFO).write(List.copyOf(values.keySet()), new long[] {1, 5_000});

    Object directive = Json.parseObject(output().strip()).object("_aws").list("CloudWatchMetrics").get(0);
    assertEquals(List.of(List.of()), ((Map<?, ?>) directive).get("Dimensions"));
    assertEquals(5_000, EmittedMetrics.sum(EmittedMetrics.read(output()), "TopUpPenceCredited"));
  }

  @Test
  void aDimensionValueThatIsNotAWord_isWrittenAsOther_soNoIdOrNumberBecomesAMetric() {
    Metrics m = metrics(Log.Level.INFO);
    m.write(List.of(Metric.PURCHASES_REFUNDED), new long[] {1}, "3f0c2a9e-51b7-4d8e-9a61-2b8d0c7e4f10");
    m.write(List.of(Metric.PURCHASES_REFUNDED), new long[] {1}, "+14155550123");
    m.write(List.of(Metric.PURCHASES_REFUNDED), new long[] {1}, (String) null);
    m.write(List.of(Metric.PURCHASES_REFUNDED), new long[] {1}, "platform_outcome_unknown");

    assertEquals(Map.of(Map.of("Reason", "other"), 3.0, Map.of("Reason", "platform_outcome_unknown"), 1.0),
        EmittedMetrics.sums(EmittedMetrics.read(output()), "PurchasesRefunded"));
  }

  @Test
  void aboveInfo_theRecordTakesTheThresholdsLevel_soLambdasLevelFilterNeverDropsIt() {
    metrics(Log.Level.ERROR).write(List.of(Metric.NUMBERS_RELEASED), new long[] {1});

    assertEquals("ERROR", Json.parseObject(output().strip()).string("level"));
    assertEquals(1, EmittedMetrics.sum(EmittedMetrics.read(output()), "NumbersReleased"));
  }

  @Test
  void metricsOfOtherDimensions_orTheWrongNumberOfValues_areRefused() {
    Metrics m = metrics(Log.Level.INFO);
    assertThrows(IllegalArgumentException.class,
        () -> m.write(List.of(Metric.PROVIDER_LATENCY, Metric.PURCHASES_REFUNDED), new long[] {1, 1}, "twilio", "buy"));
    assertThrows(IllegalArgumentException.class, () -> m.write(List.of(Metric.PROVIDER_LATENCY), new long[] {1}, "twilio"));
    assertEquals("", output());
  }

  @Test
  void theCatalogue_namesEachMetricOnce_withACloudWatchUnit_andFewDimensions() {
    Set<String> names = Arrays.stream(Metric.values()).map(Metric::metricName).collect(Collectors.toSet());
    assertEquals(Metric.values().length, names.size());
    for (Metric m : Metric.values()) {
      assertTrue(m.metricName().matches("[A-Z][A-Za-z]+"), m.metricName());
      assertTrue(m.dimensions().size() <= 2, m + ": low cardinality means few dimensions");
    }
  }
}
