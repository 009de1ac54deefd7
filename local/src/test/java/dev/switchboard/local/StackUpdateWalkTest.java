package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The transformed template deployed, updated and deleted the way CloudFormation does it: each
 * resource after what it waits for; a resource whose create-only property changes is replaced
 * (the new one made first, the old one deleted in the clean-up after everything else
 * succeeded); a version snapshots its function's environment when it is published. After every
 * step, each function that serves traffic must be able to read every secret its live version
 * names: an update that moved the IAM grant before live moved would refuse every read of the
 * old secret (AccessDenied) until the alias caught up.
 */
class StackUpdateWalkTest {
  private static final List<String> TRAFFIC = List.of("ProvisionNumberFunction", "ListNumbersFunction",
      "ReleaseNumberFunction", "ReconcileFunction", "StripeWebhookFunction", "WalletFunction");
  /** Create-only properties (a change replaces the resource), from CloudFormation's resource schemas. */
  private static final Map<String, Set<String>> CREATE_ONLY = Map.of(
      "AWS::IAM::ManagedPolicy", Set.of("Description", "ManagedPolicyName", "Path"),
      "AWS::IAM::RolePolicy", Set.of("PolicyName", "RoleName"),
      "AWS::Lambda::Alias", Set.of("Name", "FunctionName"));

  private record Deployed(JsonNode resource, Map<String, String> parameters) {}

  private final Map<String, Deployed> stack = new LinkedHashMap<>();
  /** Each published version's environment, as Lambda froze it. */
  private final Map<String, Map<String, String>> published = new LinkedHashMap<>();
  private final List<String> steps = new ArrayList<>();

  private static Map<String, String> base() {
    Map<String, String> p = SamTransform.requiredParameters();
    p.put("Stage", "staging");
    return p;
  }

  @Test
  void aSecretArnChange_leavesNoMomentWhenLiveCannotReadItsSecret_andEndsWithTheOldGrantGone() {
    Map<String, String> before = base();
    create(before);
    String oldArn = before.get("DatabaseUrlSecretArn");
    Map<String, String> after = new LinkedHashMap<>(before);
    after.put("DatabaseUrlSecretArn", SamTransform.secretArn("switchboard/staging/database-url-moved", "MoVeD1"));
    after.put("StripeApiKeySecretArn", SamTransform.secretArn("switchboard/staging/stripe-api-key-moved", "MoVeD2"));
    update(after);
    for (String function : TRAFFIC) {
      assertEquals(after.get("DatabaseUrlSecretArn"), liveEnvironment(function).get("DATABASE_URL_SECRET_ID"),
          function + ": live reads the new secret");
      assertFalse(granted(function, oldArn), function + " may still read the old secret");
    }
    assertEquals(after.get("StripeApiKeySecretArn"), liveEnvironment("WalletFunction").get("STRIPE_API_KEY_SECRET_ID"));
    delete();
  }

  @Test
  void aParameterChange_reachesLive_andDeleteLeavesNothing() {
    create(base());
    assertEquals("1000", liveEnvironment("ProvisionNumberFunction").get("NUMBER_PRICE_PENCE"));
    Map<String, String> after = base();
    after.put("NumberPricePence", "1250");
    update(after);
    assertEquals("1250", liveEnvironment("ProvisionNumberFunction").get("NUMBER_PRICE_PENCE"));
    delete();
  }

  // ------------------------------------------------------------------ CloudFormation's walk

  private void create(Map<String, String> parameters) {
    SamTransform.Transformed template = DeployFingerprintTest.deploy(parameters, Map.of());
    Map<String, String> values = DeployFingerprintTest.throughDeploy(parameters);
    for (String id : template.creationOrder()) {
      place(id, template, values);
      check("create " + id);
    }
  }

  private void update(Map<String, String> parameters) {
    SamTransform.Transformed template = DeployFingerprintTest.deploy(parameters, Map.of());
    Map<String, String> values = DeployFingerprintTest.throughDeploy(parameters);
    List<String> cleanUp = new ArrayList<>();
    for (String id : template.creationOrder()) {
      Deployed old = stack.get(id);
      if (old != null && replaced(old, template.resource(id), values)) {
        stack.put(id + "#replaced", old);
        cleanUp.add(id + "#replaced");
      }
      place(id, template, values);
      check("update " + id);
    }
    stack.keySet().stream().filter(id -> !id.endsWith("#replaced") && !template.resources().has(id)).forEach(cleanUp::add);
    for (String id : cleanUp) {
      stack.remove(id);
      check("clean up " + id);
    }
  }

  private void delete() {
    List<String> ids = new ArrayList<>(stack.keySet());
    java.util.Collections.reverse(ids);
    ids.forEach(stack::remove);
    assertTrue(stack.isEmpty());
  }

  private void place(String id, SamTransform.Transformed template, Map<String, String> values) {
    JsonNode resource = template.resource(id);
    stack.put(id, new Deployed(resource, values));
    if ("AWS::Lambda::Version".equals(resource.path("Type").asText())) {
      String function = resource.path("Properties").path("FunctionName").path("Ref").asText();
      Deployed f = stack.get(function);
      Map<String, String> env = new LinkedHashMap<>();
      f.resource().path("Properties").path("Environment").path("Variables").properties().forEach(v -> {
        String value = parameterValue(v.getValue(), f.parameters(), template);
        if (value != null) {
          env.put(v.getKey(), value);
        }
      });
      published.put(id, env);
    }
  }

  private static boolean replaced(Deployed old, JsonNode now, Map<String, String> values) {
    Set<String> createOnly = CREATE_ONLY.getOrDefault(now.path("Type").asText(), Set.of());
    for (String property : createOnly) {
      JsonNode a = old.resource().path("Properties").path(property);
      JsonNode b = now.path("Properties").path(property);
      if (!String.valueOf(resolve(a, old.parameters())).equals(String.valueOf(resolve(b, values)))) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ what must hold

  private void check(String step) {
    steps.add(step);
    for (String function : TRAFFIC) {
      if (!stack.containsKey(function + "Aliaslive")) {
        continue;
      }
      for (Map.Entry<String, String> v : liveEnvironment(function).entrySet()) {
        if (v.getKey().endsWith("_SECRET_ID") && v.getValue().startsWith("arn:")) {
          assertTrue(granted(function, v.getValue()), "after " + step + ": " + function + "'s live version names "
              + v.getValue() + " and its role may not read it (AccessDenied)");
        }
      }
    }
  }

  private Map<String, String> liveEnvironment(String function) {
    String version = stack.get(function + "Aliaslive").resource().path("Properties").path("FunctionVersion")
        .path("Fn::GetAtt").get(0).asText();
    assertTrue(stack.containsKey(version), "live points at " + version + ", which is gone");
    return published.get(version);
  }

  /** The role's own policies, its managed policy ARNs, and every managed policy that attaches itself to it. */
  private boolean granted(String function, String arn) {
    String role = function + "Role";
    List<Deployed> documents = new ArrayList<>();
    Deployed r = stack.get(role);
    if (r == null) {
      return false;
    }
    r.resource().path("Properties").path("Policies").forEach(p -> documents.add(new Deployed(p, r.parameters())));
    for (Deployed d : stack.values()) {
      if ("AWS::IAM::ManagedPolicy".equals(d.resource().path("Type").asText())
          && d.resource().path("Properties").path("Roles").toString().contains("{\"Ref\":\"" + role + "\"}")) {
        documents.add(new Deployed(d.resource().path("Properties"), d.parameters()));
      }
    }
    for (Deployed d : documents) {
      for (JsonNode statement : d.resource().path("PolicyDocument").path("Statement")) {
        boolean reads = statement.path("Action").toString().contains("secretsmanager:GetSecretValue");
        JsonNode resources = statement.path("Resource").isArray() ? statement.path("Resource")
            : new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode().add(statement.path("Resource"));
        for (JsonNode resource : resources) {
          if (reads && arn.equals(resolve(resource, d.parameters()))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** A parameter's value (a Ref or a Sub of parameters), or null for what only AWS knows. */
  private static String resolve(JsonNode node, Map<String, String> values) {
    if (node.isTextual()) {
      return node.asText();
    }
    if (!node.isObject() || node.isEmpty()) {
      return null;
    }
    try {
      return new Evaluator(values).string(node);
    } catch (AssertionError | RuntimeException e) {
      return null;
    }
  }

  private static String parameterValue(JsonNode node, Map<String, String> values, SamTransform.Transformed template) {
    if (node.isTextual()) {
      return node.asText();
    }
    String ref = node.path("Ref").asText(null);
    if (ref == null) {
      return null;
    }
    if (values.containsKey(ref)) {
      return values.get(ref);
    }
    return template.template().path("Parameters").path(ref).path("Default").asText(null);
  }
}
