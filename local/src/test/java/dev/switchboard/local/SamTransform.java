package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * template.yaml as CloudFormation deploys it: the real SAM transform (python3 and samtranslator,
 * the package cfn-lint runs) applied with the given parameter values, read back as a tree. The
 * template tests and the stack lifecycle test reason about this output, not about our own model
 * of the template.
 *
 * <p>Where samtranslator is missing the calling test is skipped with a message saying so, unless
 * the environment variable SAM_TRANSFORM_REQUIRED is true (.ci/run sets it, so CI never skips).
 */
final class SamTransform {
  static final Path TEMPLATE = Path.of("template.yaml");
  static final String MISSING = "samtranslator is not installed (pip install aws-sam-translator, or cfn-lint, which "
      + "brings it): the tests of the transformed template are skipped";
  private static final Pattern SUB_NAME = Pattern.compile("\\$\\{([A-Za-z0-9]+)(\\.[A-Za-z]+)?}");
  private static final Map<String, Transformed> CACHE = new ConcurrentHashMap<>();

  private SamTransform() {}

  /** Every parameter without a default, with a valid value. */
  static Map<String, String> requiredParameters() {
    Map<String, String> p = new TreeMap<>();
    p.put("JwtIssuer", "https://issuer.example.com/");
    p.put("JwtAudience", "switchboard");
    p.put("TwilioAccountSid", "AC" + "0".repeat(32));
    p.put("DatabaseUrlSecretArn", secretArn("switchboard/staging/database-url", "AbCdEf"));
    p.put("TwilioAuthTokenSecretArn", secretArn("switchboard/staging/twilio-auth-token", "BcDeFg"));
    p.put("VapiApiKeySecretArn", secretArn("switchboard/staging/vapi-api-key", "CdEfGh"));
    p.put("StripeApiKeySecretArn", secretArn("switchboard/staging/stripe-api-key", "DeFgHi"));
    p.put("EncryptionKeySecretArn", secretArn("switchboard/staging/encryption-key", "EfGhIj"));
    return p;
  }

  static String secretArn(String name, String suffix) {
    return "arn:aws:secretsmanager:eu-west-2:123456789012:secret:" + name + "-" + suffix;
  }

  /** The required parameters with these set as well (or instead). */
  static Transformed with(Map<String, String> parameters) {
    Map<String, String> all = requiredParameters();
    all.putAll(parameters);
    return transform(all, Map.of());
  }

  /**
   * The transform of template.yaml with exactly these parameter values (the template's defaults
   * fill the rest, as CloudFormation does) and each CodeUri's package at s3://bucket/...; a
   * codeKeys entry (CodeUri to a suffix of its S3 key) stands for a new build of that code.
   */
  static Transformed transform(Map<String, String> parameters, Map<String, String> codeKeys) {
    return transform(parameters, codeKeys, "");
  }

  /** The same, the template first given AutoPublishCodeSha256 as ./deploy writes it (none when empty). */
  static Transformed transform(Map<String, String> parameters, Map<String, String> codeKeys, String codeSha) {
    String key = new TreeMap<>(parameters) + "|" + new TreeMap<>(codeKeys) + "|" + codeSha;
    return CACHE.computeIfAbsent(key, k -> run(parameters, codeKeys, codeSha));
  }

  private static Transformed run(Map<String, String> parameters, Map<String, String> codeKeys, String codeSha) {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> values = new LinkedHashMap<>();
    parameters.forEach((name, value) -> values.put(name, value));
    try {
      Path script = Path.of(SamTransform.class.getResource("/sam-transform.py").toURI());
      Process process = new ProcessBuilder("python3", script.toString(), TEMPLATE.toString(),
          json.writeValueAsString(values), json.writeValueAsString(codeKeys), codeSha).start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the SAM transform did not finish");
      if (err.contains("No module named 'samtranslator'")) {
        unavailable(MISSING);
      }
      assertEquals(0, process.exitValue(), "the SAM transform refused the template: " + err);
      return new Transformed(json.readTree(out));
    } catch (IOException e) {
      unavailable("no python3 to run the SAM transform (" + e.getMessage() + "): " + MISSING);
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void unavailable(String why) {
    if ("true".equals(System.getenv("SAM_TRANSFORM_REQUIRED"))) {
      throw new AssertionError(why + " (SAM_TRANSFORM_REQUIRED=true: this run may not skip them)");
    }
    Assumptions.abort(why);
  }

  /** The transformed CloudFormation template. */
  record Transformed(JsonNode template) {
    JsonNode resources() {
      return template.path("Resources");
    }

    JsonNode resource(String id) {
      JsonNode r = resources().path(id);
      assertTrue(r.isObject(), "no resource " + id + " in the transformed template");
      return r;
    }

    JsonNode properties(String id) {
      return resource(id).path("Properties");
    }

    /** Logical ids of every resource of this CloudFormation type, in the template's order. */
    List<String> ofType(String type) {
      return resources().properties().stream()
          .filter(e -> type.equals(e.getValue().path("Type").asText()))
          .map(Map.Entry::getKey).toList();
    }

    /** The one AWS::Lambda::Version SAM publishes for a function (its logical id carries the hash). */
    String versionOf(String function) {
      List<String> versions = ofType("AWS::Lambda::Version").stream()
          .filter(v -> function.equals(properties(v).path("FunctionName").path("Ref").asText())).toList();
      assertEquals(1, versions.size(), function + ": versions " + versions);
      return versions.get(0);
    }

    String aliasOf(String function) {
      return function + "Alias" + "live";
    }

    /** What CloudFormation waits for before it creates or updates this resource: DependsOn, Ref, GetAtt, Sub. */
    Set<String> directDependencies(String id) {
      Set<String> deps = new TreeSet<>();
      JsonNode resource = resource(id);
      JsonNode dependsOn = resource.path("DependsOn");
      if (dependsOn.isArray()) {
        dependsOn.forEach(d -> deps.add(d.asText()));
      } else if (dependsOn.isTextual()) {
        deps.add(dependsOn.asText());
      }
      collectReferences(resource.path("Properties"), deps);
      deps.removeIf(d -> !resources().has(d) || d.equals(id));
      return deps;
    }

    /** Everything this resource waits for, directly or through what it waits for. */
    Set<String> waitsFor(String id) {
      Set<String> seen = new TreeSet<>();
      Deque<String> todo = new ArrayDeque<>(directDependencies(id));
      while (!todo.isEmpty()) {
        String next = todo.pop();
        if (seen.add(next)) {
          todo.addAll(directDependencies(next));
        }
      }
      return seen;
    }

    /** Every resource in an order CloudFormation could create them (each after what it waits for). */
    List<String> creationOrder() {
      List<String> order = new java.util.ArrayList<>();
      Set<String> placed = new java.util.HashSet<>();
      List<String> all = resources().properties().stream().map(Map.Entry::getKey).toList();
      while (order.size() < all.size()) {
        String next = all.stream().filter(id -> !placed.contains(id))
            .filter(id -> placed.containsAll(directDependencies(id))).findFirst()
            .orElseThrow(() -> new AssertionError("a dependency cycle among what is left of " + all));
        order.add(next);
        placed.add(next);
      }
      return order;
    }
  }

  static void collectReferences(JsonNode node, Set<String> into) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        JsonNode v = e.getValue();
        switch (e.getKey()) {
          case "Ref" -> into.add(v.asText().split("\\.")[0]);
          case "Fn::GetAtt" -> into.add(v.isArray() ? v.get(0).asText() : v.asText().split("\\.")[0]);
          case "Fn::Sub" -> {
            Matcher names = SUB_NAME.matcher(v.isArray() ? v.get(0).asText() : v.asText());
            while (names.find()) {
              into.add(names.group(1));
            }
            if (v.isArray() && v.size() == 2) {
              collectReferences(v.get(1), into);
            }
          }
          default -> collectReferences(v, into);
        }
      });
    } else if (node.isArray()) {
      node.forEach(item -> collectReferences(item, into));
    }
  }
}
