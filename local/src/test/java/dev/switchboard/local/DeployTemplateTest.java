package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a first deploy on a new account, and every later one, gets from template.yaml as the SAM
 * transform makes it: no reserved concurrency unless asked for, the migrations before any
 * function that serves traffic, an RDS Proxy that can be created, secret ARNs that match IAM
 * resources, and no managed policy a function does not need.
 */
class DeployTemplateTest {
  private static final Set<String> TRAFFIC_FUNCTIONS = Set.of("ProvisionNumberFunction", "ListNumbersFunction",
      "ReleaseNumberFunction", "ReconcileFunction", "StripeWebhookFunction", "WalletFunction");

  private final SamTransform.Transformed defaults = SamTransform.with(Map.of());

  // ------------------------------------------------------------------ a new account

  /** Lambda refuses a reservation that leaves less than 100 unreserved; new accounts may have 10 in all. */
  @Test
  void noFunctionReservesConcurrency_unlessAParameterAsksForIt() {
    for (String function : defaults.ofType("AWS::Lambda::Function")) {
      JsonNode reserved = defaults.properties(function).path("ReservedConcurrentExecutions");
      if (reserved.isMissingNode()) {
        continue;
      }
      JsonNode branches = reserved.path("Fn::If");
      assertTrue(branches.isArray(), function + " reserves " + reserved + " on every deploy");
      assertEquals("{\"Ref\":\"AWS::NoValue\"}", branches.get(2).toString(), function);
      String parameter = branches.get(1).path("Ref").asText();
      assertEquals("", defaults.template().path("Parameters").path(parameter).path("Default").asText(null),
          function + ": " + parameter + " is empty by default");
    }
  }

  // ------------------------------------------------------------------ migrations before traffic

  /**
   * CloudFormation creates and updates a resource only after what it refers to or DependsOn:
   * every version and alias of a function that serves traffic waits for DatabaseMigration, so
   * new code never serves before its migrations ran, on the first deploy and on every update.
   */
  @Test
  void everyTrafficFunctionsVersionAndAlias_waitsForTheMigrations() {
    List<String> early = new ArrayList<>();
    for (String function : TRAFFIC_FUNCTIONS) {
      for (String id : List.of(function, defaults.versionOf(function), defaults.aliasOf(function))) {
        if (!defaults.waitsFor(id).contains("DatabaseMigration")) {
          early.add(id);
        }
      }
    }
    assertEquals(List.of(), early);
    assertFalse(defaults.waitsFor("DatabaseMigration").stream().anyMatch(id -> TRAFFIC_FUNCTIONS.stream()
        .anyMatch(id::startsWith)), "the migration waits for no traffic function: " + defaults.waitsFor("DatabaseMigration"));
  }

  // ------------------------------------------------------------------ RDS Proxy

  private static Map<String, String> proxy(String subnets, String groups) {
    Map<String, String> p = new HashMap<>();
    p.put("DatabaseProxyMode", "create");
    p.put("DatabaseInstanceIdentifier", "switchboard-db");
    p.put("DatabaseProxyAuthSecretArn", SamTransform.secretArn("switchboard/staging/proxy-login", "GhIjKl"));
    p.put("SubnetIds", subnets);
    p.put("SecurityGroupIds", groups);
    return p;
  }

  @Test
  void creatingTheProxy_needsSubnetsAndSecurityGroups_refusedByARuleBeforeAnythingIsMade() {
    Rules rules = new Rules(defaults.template());
    assertTrue(rules.refusals(with(proxy("", ""))).stream().anyMatch(r -> r.contains("SubnetIds")),
        String.valueOf(rules.refusals(with(proxy("", "")))));
    assertTrue(rules.refusals(with(proxy("subnet-0a1,subnet-0b2", ""))).stream().anyMatch(r -> r.contains("SecurityGroupIds")),
        String.valueOf(rules.refusals(with(proxy("subnet-0a1,subnet-0b2", "")))));
    assertEquals(List.of(), rules.refusals(with(proxy("subnet-0a1,subnet-0b2", "sg-0c3"))));
    assertEquals(List.of(), rules.refusals(with(Map.of())), "the defaults pass every rule");
  }

  /** The functions reach the proxy on 5432 only if a security group lets them: the template says which rule. */
  @Test
  void theFunctionsToProxyIngress_isWhatTheTemplateTellsTheOperatorToAllow() {
    String groups = defaults.template().path("Parameters").path("SecurityGroupIds").path("Description").asText();
    assertTrue(groups.contains("5432") && groups.contains("DatabaseProxyMode create"), groups);
    String rule = new Rules(defaults.template()).refusals(with(proxy("subnet-0a1", ""))).toString();
    assertTrue(rule.contains("5432"), rule);
  }

  @Test
  void theProxysIdleConnections_fitEveryAllowedMaximum() {
    JsonNode max = defaults.template().path("Parameters").path("DatabaseProxyMaxConnectionsPercent");
    JsonNode pool = defaults.properties("DatabaseProxyTargetGroup").path("ConnectionPoolConfigurationInfo");
    assertEquals("DatabaseProxyMaxConnectionsPercent", pool.path("MaxConnectionsPercent").path("Ref").asText());
    JsonNode idle = pool.path("MaxIdleConnectionsPercent");
    for (int percent = max.path("MinValue").asInt(); percent <= max.path("MaxValue").asInt(); percent++) {
      int idlePercent = idle.isMissingNode() ? percent / 2 // RDS's default: half the maximum
          : idle.isInt() ? idle.asInt() : "DatabaseProxyMaxConnectionsPercent".equals(idle.path("Ref").asText()) ? percent : -1;
      assertTrue(idlePercent >= 0 && idlePercent <= percent, "MaxIdleConnectionsPercent " + idle + " with a maximum of " + percent);
    }
  }

  @Test
  void theProxysName_fits60Characters_forTheLongestStackName() {
    String stackName = "s" + "-long".repeat(25) + "-x"; // 128 characters, CloudFormation's longest
    assertEquals(128, stackName.length());
    Map<String, String> pseudo = Map.of("AWS::StackName", stackName,
        "AWS::StackId", "arn:aws:cloudformation:eu-west-2:123456789012:stack/" + stackName + "/9c0ffee0-cf00-11f0-8000-0a1b2c3d4e5f");
    String name = new Evaluator(pseudo).string(defaults.properties("DatabaseProxy").path("DBProxyName"));
    assertTrue(name.length() <= 60, name + " has " + name.length() + " characters");
    assertTrue(name.matches("[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]"), name + ": a letter first, no -- and no - last");
  }

  // ------------------------------------------------------------------ IAM

  /** A secret's ARN ends in -XXXXXX; without it no IAM resource matches and GetSecretValue is refused. */
  @Test
  void everySecretArnParameter_wantsTheCompleteArnWithItsSixCharacterSuffix() {
    List<String> checked = new ArrayList<>();
    defaults.template().path("Parameters").properties().forEach(p -> {
      if (!p.getKey().endsWith("SecretArn")) {
        return;
      }
      String pattern = p.getValue().path("AllowedPattern").asText("");
      assertFalse(pattern.isEmpty(), p.getKey() + " has no AllowedPattern");
      Pattern allowed = Pattern.compile(pattern);
      String arn = SamTransform.secretArn("switchboard/staging/x_y+z=w.v@u", "AbC123");
      assertTrue(allowed.matcher(arn).matches(), p.getKey() + " refuses " + arn);
      assertFalse(allowed.matcher(arn.substring(0, arn.length() - 7)).matches(), p.getKey() + " accepts an ARN without its suffix");
      assertFalse(allowed.matcher(arn.substring(0, arn.length() - 1)).matches(), p.getKey() + " accepts a five-character suffix");
      checked.add(p.getKey());
    });
    assertEquals(8, checked.size(), checked.toString());
  }

  /** A role gets AWS X-Ray's policy only with Tracing Active. */
  @Test
  void theXrayPolicy_onlyWithTracing() {
    for (String role : defaults.ofType("AWS::IAM::Role")) {
      assertFalse(defaults.properties(role).path("ManagedPolicyArns").toString().contains("AWSXrayWriteOnlyAccess"),
          role + " may write X-Ray traces with tracing off");
    }
    SamTransform.Transformed tracing = SamTransform.with(Map.of("Tracing", "Active"));
    assertTrue(tracing.properties("WalletFunctionRole").path("ManagedPolicyArns").toString().contains("AWSXrayWriteOnlyAccess"));
    assertTrue(tracing.properties("WalletFunction").has("TracingConfig"));
    assertFalse(defaults.properties("WalletFunction").has("TracingConfig"), "Lambda's default: nothing recorded");
  }

  // ------------------------------------------------------------------ versions

  /**
   * Each deploy that changes a function publishes a version; SAM retains every one by default
   * (Lambda's code storage is a quota). Deleted instead, CloudFormation removes the replaced
   * version only in its clean-up, after the alias moved, and keeps it if the update rolls back.
   */
  @Test
  void aReplacedVersion_isDeletedAfterTheAliasMoved_notRetainedForever() {
    for (String version : defaults.ofType("AWS::Lambda::Version")) {
      assertEquals("Delete", defaults.resource(version).path("DeletionPolicy").asText(), version);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, String> with(Map<String, String> parameters) {
    Map<String, String> all = SamTransform.requiredParameters();
    all.put("Stage", "staging");
    all.put("DeployFingerprint", "0".repeat(64)); // as ./deploy gives it (DeployFingerprintTest)
    all.putAll(parameters);
    return all;
  }
}
