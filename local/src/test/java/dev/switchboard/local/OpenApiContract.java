package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docs/openapi.yaml and the check of one answer against it: the operation must be documented,
 * the status too, the body must validate against that status's schema (networknt's OpenAPI 3.1
 * dialect, which is JSON Schema 2020-12; the schemas forbid undocumented fields), the headers it
 * requires must be there, and a header the document does not name fails (beyond Content-Type and
 * Cache-Control). Every outcome checked is remembered as "METHOD /path status code", so a test
 * can ask which documented outcomes nothing produced ({@link #documentedOutcomes}).
 */
final class OpenApiContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String URI = "https://switchboard.invalid/openapi.json";
  /** Headers every JSON answer may carry without the document naming them. */
  private static final Set<String> STANDARD_HEADERS = Set.of("content-type", "cache-control");

  private final JsonNode document;
  private final SchemaRegistry registry;
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
  private final Set<String> observed = ConcurrentHashMap.newKeySet();

  private OpenApiContract(JsonNode document) {
    this.document = document;
    String text = document.toString();
    this.registry = SchemaRegistry.withDialect(Dialects.getOpenApi31(), b -> b.schemas(Map.of(URI, text)));
  }

  static OpenApiContract load(Path file) {
    try {
      Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
      return new OpenApiContract(JSON.valueToTree(yaml));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode document() {
    return document;
  }

  /** Every documented operation, as "METHOD /path". */
  Set<String> operations() {
    Set<String> ops = new TreeSet<>();
    document.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
      if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(m.getKey())) {
        ops.add(m.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey());
      }
    }));
    return ops;
  }

  /** Problems of one answer to {@code method path} (the path as documented, with {id}). */
  List<String> problems(String method, String path, int status, Map<String, String> headers, String body) {
    String op = method + " " + path;
    JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
    if (operation.isMissingNode()) {
      return List.of(op + " is not in the document");
    }
    String key = Integer.toString(status);
    if (!operation.path("responses").has(key)) {
      return List.of(op + " answered " + status + ", which the document does not give: " + body);
    }
    String pointer = "#/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + key;
    JsonNode response = operation.path("responses").path(key);
    if (response.has("$ref")) {
      pointer = response.path("$ref").asText();
      response = resolve(pointer);
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> lower = new java.util.HashMap<>();
    (headers == null ? Map.<String, String>of() : headers).forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    checkHeaders(op + " " + status, response.path("headers"), lower, problems);

    JsonNode media = response.path("content").path("application/json");
    if (media.isMissingNode()) {
      if (body != null && !body.isEmpty()) {
        problems.add(op + " " + status + " has no body in the document, yet one came: " + body);
      }
      observed.add(op + " " + status + " -");
      return problems;
    }
    String contentType = lower.getOrDefault("content-type", "");
    if (!contentType.startsWith("application/json")) {
      problems.add(op + " " + status + " Content-Type " + contentType + ", documented application/json");
    }
    JsonNode instance;
    try {
      instance = JSON.readTree(body == null ? "" : body);
    } catch (IOException e) {
      problems.add(op + " " + status + " answered no JSON: " + body);
      return problems;
    }
    if (instance == null || instance.isMissingNode()) {
      problems.add(op + " " + status + " answered an empty body");
      return problems;
    }
    String where = URI + pointer + "/content/application~1json/schema";
    Schema schema = schemas.computeIfAbsent(where, w -> registry.getSchema(SchemaLocation.of(w)));
    schema.validate(instance).forEach(e -> problems.add(op + " " + status + ": " + e + " in " + body));

    JsonNode error = instance.path("error");
    JsonNode retryAfter = error.path("retryAfterSeconds");
    if (!retryAfter.isMissingNode() && !retryAfter.asText().equals(lower.get("retry-after"))) {
      problems.add(op + " " + status + ": retryAfterSeconds " + retryAfter + " but Retry-After " + lower.get("retry-after"));
    }
    String outcome = op + " " + status + " " + (error.path("code").isTextual() ? error.path("code").asText()
        : instance.has("message") && instance.size() == 1 ? "gateway" : "-");
    if (problems.isEmpty()) {
      observed.add(outcome);
    }
    return problems;
  }

  /**
   * Problems of a request body the handler accepted, against the operation's documented
   * {@code requestBody}: what the API takes must be what the document lets a client send.
   */
  List<String> requestProblems(String method, String path, Map<String, String> query, String body) {
    String op = method + " " + path;
    JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> q : query.entrySet()) {
      JsonNode parameter = null;
      for (JsonNode p : operation.path("parameters")) {
        if (p.path("in").asText().equals("query") && p.path("name").asText().equals(q.getKey())) {
          parameter = p;
        }
      }
      if (parameter == null) {
        problems.add(op + " accepted the query parameter " + q.getKey() + ", which the document does not give");
        continue;
      }
      JsonNode schema = parameter.path("schema").has("$ref") ? resolve(parameter.path("schema").path("$ref").asText())
          : parameter.path("schema");
      JsonNode value = "integer".equals(schema.path("type").asText()) && q.getValue().matches("-?[0-9]{1,18}")
          ? JSON.getNodeFactory().numberNode(Long.parseLong(q.getValue())) : JSON.getNodeFactory().textNode(q.getValue());
      registry.getSchema(schema).validate(value).forEach(e -> problems.add(op + " query " + q.getKey() + ": " + e));
    }
    if (!problems.isEmpty()) {
      return problems;
    }
    JsonNode media = operation.path("requestBody").path("content").path("application/json");
    if (media.isMissingNode()) {
      return body == null || body.isEmpty() ? List.of() : List.of(op + " takes no body in the document, yet one was accepted");
    }
    String where = URI + "#/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT)
        + "/requestBody/content/application~1json/schema";
    Schema schema = schemas.computeIfAbsent(where, w -> registry.getSchema(SchemaLocation.of(w)));
    try {
      return schema.validate(JSON.readTree(body)).stream().map(e -> op + " request: " + e + " in " + body).toList();
    } catch (IOException e) {
      return List.of(op + " accepted a body that is no JSON: " + body);
    }
  }

  /** A response's headers as the contract reads them: without the ones every HTTP answer carries. */
  static Map<String, String> headersOf(java.net.http.HttpResponse<?> response) {
    Map<String, String> headers = new java.util.HashMap<>();
    response.headers().map().forEach((k, v) -> {
      if (!Set.of("date", "content-length", "transfer-encoding", "connection").contains(k)) {
        headers.put(k, String.join(",", v));
      }
    });
    return headers;
  }

  /** Problems of a body against one component schema (an answer no route gives, such as 405). */
  List<String> problemsAgainstComponent(String component, String body) {
    String where = URI + "#/components/schemas/" + component;
    Schema schema = schemas.computeIfAbsent(where, w -> registry.getSchema(SchemaLocation.of(w)));
    try {
      return schema.validate(JSON.readTree(body)).stream().map(e -> component + ": " + e + " in " + body).toList();
    } catch (IOException e) {
      return List.of(component + ": no JSON: " + body);
    }
  }

  /**
   * Every outcome the document promises for the routes behind our functions: "METHOD /path
   * status code" for each error schema (by its code's const), "-" for a success shape, "gateway"
   * for API Gateway's own message.
   */
  Set<String> documentedOutcomes() {
    Set<String> outcomes = new TreeSet<>();
    document.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
      String op = m.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey();
      m.getValue().path("responses").properties().forEach(r -> {
        JsonNode response = r.getValue().has("$ref") ? resolve(r.getValue().path("$ref").asText()) : r.getValue();
        JsonNode schema = response.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
          outcomes.add(op + " " + r.getKey() + " -");
          return;
        }
        List<JsonNode> alternatives = new ArrayList<>();
        if (schema.has("oneOf")) {
          schema.path("oneOf").forEach(alternatives::add);
        } else {
          alternatives.add(schema);
        }
        for (JsonNode alternative : alternatives) {
          JsonNode resolved = alternative.has("$ref") ? resolve(alternative.path("$ref").asText()) : alternative;
          JsonNode code = resolved.path("properties").path("error").path("properties").path("code").path("const");
          outcomes.add(op + " " + r.getKey() + " " + (code.isTextual() ? code.asText()
              : resolved.path("properties").has("message") && !resolved.path("properties").has("error") ? "gateway" : "-"));
        }
      });
    }));
    return outcomes;
  }

  /** What the checks so far saw, as in {@link #documentedOutcomes}. */
  Set<String> observedOutcomes() {
    return new TreeSet<>(observed);
  }

  /** Every error code the document's schemas name. */
  Set<String> documentedCodes() {
    Set<String> codes = new TreeSet<>();
    document.path("components").path("schemas").properties().forEach(s -> {
      JsonNode code = s.getValue().path("properties").path("error").path("properties").path("code").path("const");
      if (code.isTextual()) {
        codes.add(code.asText());
      }
    });
    return codes;
  }

  private void checkHeaders(String where, JsonNode documented, Map<String, String> headers, List<String> problems) {
    Set<String> named = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = documented.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      JsonNode header = h.getValue().has("$ref") ? resolve(h.getValue().path("$ref").asText()) : h.getValue();
      String name = h.getKey().toLowerCase(Locale.ROOT);
      named.add(name);
      String value = headers.get(name);
      if (value == null) {
        if (header.path("required").asBoolean(false)) {
          problems.add(where + ": header " + h.getKey() + " is required and missing");
        }
        continue;
      }
      if ("integer".equals(header.path("schema").path("type").asText()) && !value.matches("[0-9]+")) {
        problems.add(where + ": header " + h.getKey() + " is not an integer: " + value);
      }
    }
    headers.keySet().stream()
        .filter(h -> !STANDARD_HEADERS.contains(h) && !named.contains(h))
        .forEach(h -> problems.add(where + ": header " + h + " is not in the document"));
  }

  private JsonNode resolve(String ref) {
    if (!ref.startsWith("#/")) {
      throw new IllegalArgumentException("only local references: " + ref);
    }
    JsonNode node = document.at(ref.substring(1));
    if (node.isMissingNode()) {
      throw new IllegalArgumentException("dangling reference " + ref);
    }
    return node;
  }

  private static String escape(String path) {
    return path.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D");
  }
}
