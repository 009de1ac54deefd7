package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The CloudWatch metrics a piece of code emits, read from what it writes to standard output as
 * CloudWatch Logs would read it: every line that is a JSON object with an {@code _aws} member is
 * an embedded-metric-format document, and is checked against the published specification
 * (docs/operations.md cites it) before its data points are taken. A document that breaks the
 * specification fails the test, since CloudWatch would drop it silently.
 */
public final class EmittedMetrics {
  /** The units the specification's schema allows. */
  private static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
      "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
      "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
      "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One data point: a metric in a namespace, with its dimensions (name to value). */
  public record Datum(String namespace, String name, String unit, Map<String, String> dimensions, double value) {}

  /** Work that may throw. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }

  private EmittedMetrics() {}

  /** Runs {@code work} with standard output captured (and still echoed), and returns the data points it emitted. */
  public static List<Datum> during(Work work) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        captured.write(b);
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        captured.write(b, off, len);
        original.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    try {
      work.run();
    } finally {
      tee.flush();
      System.setOut(original);
    }
    return read(captured.toString(StandardCharsets.UTF_8));
  }

  /** The data points of every embedded-metric document among {@code output}'s lines. */
  public static List<Datum> read(String output) {
    List<Datum> data = new ArrayList<>();
    for (String line : output.lines().toList()) {
      String text = line.strip();
      if (!text.startsWith("{") || !text.contains("\"_aws\"")) {
        continue;
      }
      JsonNode root;
      try {
        root = JSON.readTree(text);
      } catch (IOException e) {
        throw new AssertionError("not one JSON object: " + text, e);
      }
      data.addAll(document(root, text));
    }
    return data;
  }

  private static List<Datum> document(JsonNode root, String text) {
    JsonNode aws = root.get("_aws");
    check(aws != null && aws.isObject(), "_aws must be an object", text);
    check(aws.path("Timestamp").isIntegralNumber() && aws.get("Timestamp").asLong() > 1_500_000_000_000L,
        "_aws.Timestamp must be epoch milliseconds", text);
    JsonNode directives = aws.get("CloudWatchMetrics");
    check(directives != null && directives.isArray(), "_aws.CloudWatchMetrics must be an array", text);
    List<Datum> data = new ArrayList<>();
    for (JsonNode directive : directives) {
      for (Iterator<String> names = directive.fieldNames(); names.hasNext(); ) {
        String member = names.next();
        check(Set.of("Namespace", "Dimensions", "Metrics").contains(member),
            "a MetricDirective has no member " + member, text);
      }
      JsonNode namespace = directive.get("Namespace");
      check(namespace != null && namespace.isTextual() && !namespace.asText().isEmpty()
          && namespace.asText().length() <= 255, "Namespace must be a string of 1 to 255 characters", text);
      JsonNode dimensionSets = directive.get("Dimensions");
      check(dimensionSets != null && dimensionSets.isArray() && dimensionSets.size() >= 1,
          "Dimensions must be an array of at least one DimensionSet", text);
      JsonNode metrics = directive.get("Metrics");
      check(metrics != null && metrics.isArray() && metrics.size() <= 100,
          "Metrics must be an array of at most 100 MetricDefinitions", text);
      for (JsonNode set : dimensionSets) {
        check(set.isArray() && set.size() <= 9, "a DimensionSet is an array of at most 9 keys", text);
        Map<String, String> dimensions = new TreeMap<>();
        for (JsonNode key : set) {
          JsonNode target = root.get(key.asText());
          check(target != null && target.isTextual(), "dimension " + key + " must be a string member of the root", text);
          dimensions.put(key.asText(), target.asText());
        }
        for (JsonNode definition : metrics) {
          JsonNode name = definition.get("Name");
          check(name != null && name.isTextual(), "a MetricDefinition needs a Name", text);
          JsonNode unit = definition.get("Unit");
          check(unit == null || unit.isTextual() && UNITS.contains(unit.asText()), "Unit " + unit + " is no CloudWatch unit", text);
          JsonNode value = root.get(name.asText());
          check(value != null && value.isNumber(), "metric " + name + " must be a number member of the root", text);
          data.add(new Datum(namespace.asText(), name.asText(), unit == null ? "None" : unit.asText(),
              Map.copyOf(dimensions), value.asDouble()));
        }
      }
    }
    return data;
  }

  /** The data points of one metric, as {dimensions → sum of values}. */
  public static Map<Map<String, String>, Double> sums(List<Datum> data, String metric) {
    Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
    for (Datum d : data) {
      if (d.name().equals(metric)) {
        sums.merge(d.dimensions(), d.value(), Double::sum);
      }
    }
    return sums;
  }

  /** The sum of one metric's values with exactly these dimensions. */
  public static double sum(List<Datum> data, String metric, Map<String, String> dimensions) {
    return sums(data, metric).getOrDefault(dimensions, 0.0);
  }

  /** The sum of one metric's dimensionless values. */
  public static double sum(List<Datum> data, String metric) {
    return sum(data, metric, Map.of());
  }

  private static void check(boolean ok, String rule, String text) {
    if (!ok) {
      throw new AssertionError("not an embedded metric format document (" + rule + "): " + text);
    }
  }
}
