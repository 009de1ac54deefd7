package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.json.Json;
import dev.switchboard.log.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every metric the dashboard and the alarms of template.yaml name is one that exists: one the
 * code emits ({@link Metric}, the catalogue it emits through), one a log filter of the template
 * makes, or one AWS publishes; with the same dimensions, since a metric named with other
 * dimensions is another metric, which CloudWatch would graph as empty and never alarm on.
 */
class DashboardMetricsTest {
  private static final Path TEMPLATE = Path.of("template.yaml");
  /** The namespace the template gives the functions (METRICS_NAMESPACE) and its metric filters. */
  private static final String NAMESPACE = "Switchboard/${AWS::StackName}";
  /**
   * AWS's own metrics the template may name, with their dimensions, as AWS documents them
   * (docs/operations.md says where): the HTTP API's, Lambda's per function, RDS Proxy's.
   */
  private static final Map<String, Map<String, Set<String>>> AWS_METRICS = Map.of(
      "AWS/ApiGateway", Map.of("Count", Set.of("ApiId"), "4xx", Set.of("ApiId"), "5xx", Set.of("ApiId"),
          "Latency", Set.of("ApiId"), "IntegrationLatency", Set.of("ApiId")),
      "AWS/Lambda", Map.of("Errors", Set.of("FunctionName"), "Throttles", Set.of("FunctionName"),
          "Duration", Set.of("FunctionName")),
      "AWS/RDS", Map.of("ClientConnections", Set.of("ProxyName"), "DatabaseConnections", Set.of("ProxyName")));
  /** SEARCH('{"namespace",Dim,Dim} MetricName="Name"', ...): the schema names the metric's dimensions exactly. */
  private static final Pattern SEARCH = Pattern.compile(
      "SEARCH\\('\\{(?:\"([^\"]+)\"|([^\",}]+))((?:,[A-Za-z]+)*)} MetricName=\"([A-Za-z0-9]+)\"'");

  private final Map<String, Object> template = CfnYaml.load(TEMPLATE);
  private final Map<String, Object> resources = map(template.get("Resources"));

  /** One metric a widget or an alarm names. */
  record Named(String where, String namespace, String metric, Set<String> dimensions) {}

  @Test
  void everyMetricTheDashboardAndTheAlarmsName_isEmittedByTheCodeOrByAws_withTheSameDimensions() {
    List<Named> named = new ArrayList<>(dashboardMetrics(true));
    named.addAll(alarmMetrics());
    assertTrue(named.size() > 40, "the finder found only " + named.size());

    List<String> problems = new ArrayList<>();
    for (Named n : named) {
      Set<String> expected = dimensionsOf(n.namespace(), n.metric());
      if (expected == null) {
        problems.add(n.where() + ": " + n.namespace() + " " + n.metric() + " is emitted by no code, no log filter and no AWS service");
      } else if (!expected.equals(n.dimensions())) {
        problems.add(n.where() + ": " + n.metric() + " has dimensions " + expected + ", named with " + n.dimensions());
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyMetricTheCodeEmits_isOnTheDashboard_andIsEmittedSomewhere() throws IOException {
    Set<String> shown = dashboardMetrics(true).stream().filter(n -> n.namespace().equals(NAMESPACE))
        .map(Named::metric).collect(Collectors.toSet());
    String sources = mainSources();
    for (Metric m : Metric.values()) {
      assertTrue(shown.contains(m.metricName()), m.metricName() + " is emitted but not on the dashboard");
      assertTrue(sources.contains("Metric." + m.name()), "no code emits " + m);
    }
  }

  @Test
  void theFunctionsWriteToTheNamespaceTheDashboardAndAlarmsRead() {
    Map<String, Object> globals = map(map(template.get("Globals")).get("Function"));
    Map<String, Object> variables = map(map(globals.get("Environment")).get("Variables"));
    assertEquals(Map.of("Fn::Sub", NAMESPACE), variables.get("METRICS_NAMESPACE"));
  }

  @Test
  void everyAlarm_isOnTheDashboard() {
    String body = String.join("", bodyParts(true));
    for (String alarm : ofType("AWS::CloudWatch::Alarm")) {
      assertTrue(body.contains("${" + alarm + ".Arn}"), alarm + " is not in the dashboard's alarm widget");
    }
  }

  @Test
  void theProxyWidget_isThereExactlyWhenTheStackMakesTheProxy() {
    List<Named> withProxy = dashboardMetrics(true);
    List<Named> without = dashboardMetrics(false);
    assertTrue(withProxy.stream().anyMatch(n -> n.metric().equals("DatabaseConnections")));
    assertFalse(without.stream().anyMatch(n -> n.namespace().equals("AWS/RDS")));
    Object proxyPart = ((List<?>) ((List<?>) map(map(map(resources.get("Dashboard")).get("Properties"))
        .get("DashboardBody")).get("Fn::Join")).get(1)).stream().filter(p -> map(p).containsKey("Fn::If"))
        .findFirst().orElseThrow();
    assertEquals("CreateDatabaseProxy", ((List<?>) map(proxyPart).get("Fn::If")).get(0));
    assertTrue(map(resources.get("DatabaseProxy")).get("Condition").equals("CreateDatabaseProxy"));
  }

  // ------------------------------------------------------------------ what exists

  /** The dimension keys of a metric that exists, or null. */
  private Set<String> dimensionsOf(String namespace, String metric) {
    if (namespace.equals(NAMESPACE)) {
      for (Metric m : Metric.values()) {
        if (m.metricName().equals(metric)) {
          return Set.copyOf(m.dimensions());
        }
      }
      return logFilterMetrics().contains(metric) ? Set.of() : null;
    }
    return AWS_METRICS.getOrDefault(namespace, Map.of()).get(metric);
  }

  /** The metrics the template's log filters make (no dimensions). */
  private Set<String> logFilterMetrics() {
    Set<String> names = new TreeSet<>();
    for (String filter : ofType("AWS::Logs::MetricFilter")) {
      for (Object t : (List<?>) properties(filter).get("MetricTransformations")) {
        assertEquals(NAMESPACE, namespace(map(t).get("MetricNamespace")), filter);
        assertFalse(map(t).containsKey("Dimensions"), filter);
        names.add((String) map(t).get("MetricName"));
      }
    }
    return names;
  }

  // ------------------------------------------------------------------ what the template names

  private List<Named> dashboardMetrics(boolean proxy) {
    Map<String, Object> body = Json.parseObject(String.join("", bodyParts(proxy))).asMap();
    List<Named> named = new ArrayList<>();
    for (Object w : (List<?>) body.get("widgets")) {
      Map<String, Object> properties = map(map(w).get("properties"));
      String where = "dashboard \"" + properties.get("title") + "\"";
      if (!"metric".equals(map(w).get("type"))) {
        continue;
      }
      for (Object row : (List<?>) properties.get("metrics")) {
        List<?> cells = (List<?>) row;
        if (cells.get(0) instanceof Map<?, ?> first) {
          String expression = String.valueOf(first.get("expression"));
          Matcher m = SEARCH.matcher(expression);
          assertTrue(m.find(), where + ": a dashboard expression must be a SEARCH: " + expression);
          Set<String> dimensions = Arrays.stream(m.group(3).split(",")).filter(s -> !s.isEmpty())
              .collect(Collectors.toCollection(LinkedHashSet::new));
          named.add(new Named(where, m.group(1) != null ? m.group(1) : m.group(2), m.group(4), dimensions));
          continue;
        }
        Set<String> dimensions = new LinkedHashSet<>();
        int i = 2;
        for (; i + 1 < cells.size() && cells.get(i) instanceof String && cells.get(i + 1) instanceof String; i += 2) {
          dimensions.add((String) cells.get(i));
        }
        assertTrue(i == cells.size() || i == cells.size() - 1 && cells.get(i) instanceof Map,
            where + ": [namespace, metric, name, value, ..., {options}] expected, was " + cells);
        assertFalse(".".equals(cells.get(0)) || ".".equals(cells.get(1)), where + ": no \".\" shorthand, please");
        named.add(new Named(where, (String) cells.get(0), (String) cells.get(1), dimensions));
      }
    }
    return named;
  }

  /** The dashboard body's text, the proxy's widget in or out. */
  private List<String> bodyParts(boolean proxy) {
    Object join = map(properties("Dashboard").get("DashboardBody")).get("Fn::Join");
    List<String> parts = new ArrayList<>();
    for (Object part : (List<?>) ((List<?>) join).get(1)) {
      Map<String, Object> p = map(part);
      if (p.containsKey("Fn::If")) {
        Object branch = ((List<?>) p.get("Fn::If")).get(proxy ? 1 : 2);
        parts.add(branch instanceof Map<?, ?> sub ? (String) sub.get("Fn::Sub") : (String) branch);
      } else {
        parts.add((String) p.get("Fn::Sub"));
      }
    }
    return parts;
  }

  private List<Named> alarmMetrics() {
    List<Named> named = new ArrayList<>();
    for (String alarm : ofType("AWS::CloudWatch::Alarm")) {
      Map<String, Object> p = properties(alarm);
      if (p.containsKey("MetricName")) {
        named.add(new Named(alarm, namespace(p.get("Namespace")), (String) p.get("MetricName"), dimensionNames(p.get("Dimensions"))));
      }
      for (Object query : p.containsKey("Metrics") ? (List<?>) p.get("Metrics") : List.of()) {
        Map<String, Object> stat = map(map(query).get("MetricStat"));
        if (!stat.isEmpty()) {
          Map<String, Object> metric = map(stat.get("Metric"));
          named.add(new Named(alarm, namespace(metric.get("Namespace")), (String) metric.get("MetricName"),
              dimensionNames(metric.get("Dimensions"))));
        }
      }
    }
    return named;
  }

  private static Set<String> dimensionNames(Object dimensions) {
    Set<String> names = new LinkedHashSet<>();
    for (Object d : dimensions == null ? List.of() : (List<?>) dimensions) {
      names.add((String) map(d).get("Name"));
    }
    return names;
  }

  private static String namespace(Object value) {
    return value instanceof Map<?, ?> sub ? (String) sub.get("Fn::Sub") : (String) value;
  }

  private List<String> ofType(String type) {
    return resources.entrySet().stream().filter(e -> type.equals(map(e.getValue()).get("Type")))
        .map(Map.Entry::getKey).sorted().toList();
  }

  private Map<String, Object> properties(String resource) {
    return map(map(resources.get(resource)).get("Properties"));
  }

  private static String mainSources() throws IOException {
    StringBuilder all = new StringBuilder();
    for (String module : List.of("shared", "functions")) {
      try (Stream<Path> files = Files.walk(Path.of(module))) {
        for (Path p : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/")).toList()) {
          all.append(Files.readString(p));
        }
      }
    }
    return all.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
