package dev.switchboard.log;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Business metrics in CloudWatch's embedded metric format (EMF), written as one log record
 * through {@link Log}: CloudWatch Logs turns such a record into metric data points, so a
 * metric costs no API call, no permission and no client at start-up (docs/performance.md has
 * the measurement that chose this over Powertools' metrics module).
 *
 * <p>A record carries {@code _aws} ({@code Timestamp} in epoch milliseconds and one
 * {@code CloudWatchMetrics} directive: {@code Namespace}, one dimension set, and each metric's
 * {@code Name} and {@code Unit}), then each dimension and each metric value as a member of
 * the record itself, as the specification requires. Call it where the business event is
 * recorded, after its transaction commits, so a rolled-back event is never counted.
 *
 * <p>A dimension value must be a word from a fixed set ({@code twilio}, {@code buy},
 * {@code platform}); anything else (an id, a phone number) is written as {@code other}, so a
 * mistake can never turn into one metric per organisation.
 */
public final class Metrics {
  /** The CloudWatch namespace; the template sets {@code Switchboard/<stack name>}. */
  static final String NAMESPACE_VARIABLE = "METRICS_NAMESPACE";
  static final String DEFAULT_NAMESPACE = "Switchboard";
  /** What a dimension value may be: words (letters, "_", "."), no digits, so no id or number can pass. */
  private static final Pattern DIMENSION_VALUE = Pattern.compile("[A-Za-z][A-Za-z_.]{0,47}");
  static final String OTHER = "other";

  private static final Metrics DEFAULT = new Metrics(Log.of(Metrics.class),
      namespace(System.getenv(NAMESPACE_VARIABLE)), Clock.systemUTC());

  private final Log log;
  private final String namespace;
  private final Clock clock;

  Metrics(Log log, String namespace, Clock clock) {
    this.log = log;
    this.namespace = namespace;
    this.clock = clock;
  }

  /** Emits one metric; {@code dimensionValues} in the order of {@link Metric#dimensions()}. */
  public static void emit(Metric metric, long value, String... dimensionValues) {
    DEFAULT.write(List.of(metric), new long[] {value}, dimensionValues);
  }

  /** Emits two metrics of the same dimensions in one record. */
  public static void emit(Metric first, long firstValue, Metric second, long secondValue, String... dimensionValues) {
    DEFAULT.write(List.of(first, second), new long[] {firstValue, secondValue}, dimensionValues);
  }

  /** Emits several dimensionless metrics in one record. */
  public static void emit(Map<Metric, Long> values) {
    DEFAULT.write(List.copyOf(values.keySet()), values.values().stream().mapToLong(Long::longValue).toArray());
  }

  /**
   * One call to a provider: its latency, and whether the provider failed it (no answer, or
   * 429 or 5xx: a refusal of what we asked is not the provider failing).
   */
  public static void providerCall(String provider, String operation, long startedNanos, boolean providerFailed) {
    emit(Metric.PROVIDER_LATENCY, (System.nanoTime() - startedNanos) / 1_000_000,
        Metric.PROVIDER_ERRORS, providerFailed ? 1 : 0, provider, operation);
  }

  void write(List<Metric> metrics, long[] values, String... dimensionValues) {
    List<String> keys = metrics.get(0).dimensions();
    for (Metric m : metrics) {
      if (!m.dimensions().equals(keys)) {
        throw new IllegalArgumentException(m + " has dimensions " + m.dimensions() + ", not " + keys);
      }
    }
    if (dimensionValues.length != keys.size()) {
      throw new IllegalArgumentException(metrics.get(0) + " takes " + keys + ", given " + dimensionValues.length);
    }
    List<Map<String, Object>> definitions = new ArrayList<>();
    for (Metric m : metrics) {
      definitions.add(Map.of("Name", m.metricName(), "Unit", m.unit().cloudWatch()));
    }
    Map<String, Object> directive = new LinkedHashMap<>();
    directive.put("Namespace", namespace);
    directive.put("Dimensions", List.of(keys));
    directive.put("Metrics", definitions);
    Map<String, Object> aws = new LinkedHashMap<>();
    aws.put("Timestamp", clock.millis());
    aws.put("CloudWatchMetrics", List.of(directive));

    List<Object> fields = new ArrayList<>(List.of("_aws", aws));
    for (int i = 0; i < keys.size(); i++) {
      String value = dimensionValues[i];
      fields.add(keys.get(i));
      fields.add(value != null && DIMENSION_VALUE.matcher(value).matches() ? value : OTHER);
    }
    for (int i = 0; i < metrics.size(); i++) {
      fields.add(metrics.get(i).metricName());
      fields.add(values[i]);
    }
    log.always("metrics", fields.toArray());
  }

  private static String namespace(String configured) {
    return configured == null || configured.isBlank() ? DEFAULT_NAMESPACE : configured.trim();
  }
}
