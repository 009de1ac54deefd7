package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.fake.FakeCloudFormation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Parameters reach live. SAM names each version after the code and the function's properties as
 * written, so a parameter change alone publishes nothing (aws/serverless-application-model#1640,
 * #3820): checked here on the transform. ./deploy gives every function AutoPublishCodeSha256, the
 * SHA-256 of DeployFingerprint (every parameter's value) and the built code, which SAM takes as
 * the version's name; DeployGuard refuses a deployment whose values do not match DeployFingerprint
 * (a plain sam deploy that changed one), and a rule refuses none at all.
 */
class DeployFingerprintTest {
  private static final List<String> FUNCTIONS = List.of("ProvisionNumberFunction", "ListNumbersFunction",
      "ReleaseNumberFunction", "ReconcileFunction", "StripeWebhookFunction", "WalletFunction",
      "StripeWebhookEndpointFunction", "DatabaseMigrationFunction", "AuthorizerFunction");
  /** A change of each kind a function reads: a secret's ARN, a price, the proxy, the VPC (each transform takes a second). */
  private static final List<Map<String, String>> CHANGES = List.of(
      Map.of("DatabaseUrlSecretArn", SamTransform.secretArn("switchboard/staging/database-url-2", "ZyXwVu")),
      Map.of("NumberPricePence", "1200"),
      Map.of("DatabaseProxyMode", "existing", "ExistingDatabaseProxyEndpoint", "proxy.example.internal"),
      Map.of("SubnetIds", "subnet-0a1,subnet-0b2", "SecurityGroupIds", "sg-0c3"));

  private final FakeCloudFormation cloudFormation = new FakeCloudFormation();

  @AfterEach
  void tearDown() {
    cloudFormation.close();
  }

  private static Map<String, String> base() {
    Map<String, String> p = SamTransform.requiredParameters();
    p.put("Stage", "staging");
    return p;
  }

  private static Map<String, String> with(Map<String, String> change) {
    Map<String, String> p = base();
    p.putAll(change);
    return p;
  }

  /** The values plus the fingerprint ./deploy computes for them: what `./deploy` passes to sam deploy. */
  static Map<String, String> throughDeploy(Map<String, String> parameters) {
    Map<String, String> all = new TreeMap<>(parameters);
    all.put("DeployFingerprint", DeployCommand.fingerprint(parameters, null).get("DeployFingerprint"));
    return all;
  }

  /** The stack ./deploy deploys: the fingerprint, and AutoPublishCodeSha256 of it and the built code. */
  static SamTransform.Transformed deploy(Map<String, String> parameters, Map<String, String> code) {
    Map<String, String> sha = DeployCommand.fingerprint(parameters, DeployCommand.sha256(new TreeMap<>(code).toString()));
    Map<String, String> all = new TreeMap<>(parameters);
    all.put("DeployFingerprint", sha.get("DeployFingerprint"));
    return SamTransform.transform(all, code, sha.get("AutoPublishCodeSha256"));
  }

  /** The stack a plain `sam deploy` deploys: template.yaml as it is, DeployFingerprint as given (or as it was). */
  private static SamTransform.Transformed plainSamDeploy(Map<String, String> parameters, String fingerprint,
                                                         Map<String, String> code) {
    Map<String, String> all = new TreeMap<>(parameters);
    all.put("DeployFingerprint", fingerprint);
    return SamTransform.transform(all, code, "");
  }

  private static Map<String, String> versions(SamTransform.Transformed stack) {
    Map<String, String> versions = new TreeMap<>();
    for (String function : FUNCTIONS) {
      String version = stack.versionOf(function);
      JsonNode alias = stack.properties(stack.aliasOf(function)).path("FunctionVersion").path("Fn::GetAtt");
      assertEquals(version, alias.get(0).asText(), function + ": live points at the version SAM published");
      versions.put(function, version);
    }
    return versions;
  }

  @Test
  void aParameterChange_throughTheDeployCommand_givesEveryLiveAliasANewVersion() {
    Map<String, String> before = versions(deploy(base(), Map.of()));
    for (Map<String, String> change : CHANGES) {
      Map<String, String> after = versions(deploy(with(change), Map.of()));
      for (String function : FUNCTIONS) {
        assertNotEquals(before.get(function), after.get(function), change + ": " + function + "'s live keeps the old values");
      }
    }
  }

  @Test
  void theSameCodeAndValues_givenAnyWay_publishNothing() {
    Map<String, String> before = versions(deploy(base(), Map.of()));
    Map<String, String> spelledOut = base();
    spelledOut.put("NumberPricePence", "1000"); // its default, given explicitly
    assertEquals(before, versions(deploy(spelledOut, Map.of())));
    assertEquals(DeployCommand.fingerprint(with(Map.of("JwtAudience", "a,b")), null),
        DeployCommand.fingerprint(with(Map.of("JwtAudience", "a, b")), null), "CloudFormation trims each member of a list");
  }

  @Test
  void newCode_publishesThroughTheDeployCommand_andThroughAPlainSamDeploy() {
    Map<String, String> newWallet = Map.of("functions/wallet", "-2");
    assertNotEquals(versions(deploy(base(), Map.of())).get("WalletFunction"),
        versions(deploy(base(), newWallet)).get("WalletFunction"));
    String fingerprint = throughDeploy(base()).get("DeployFingerprint");
    Map<String, String> before = versions(plainSamDeploy(base(), fingerprint, Map.of()));
    Map<String, String> after = versions(plainSamDeploy(base(), fingerprint, newWallet));
    for (String function : FUNCTIONS) {
      if (function.equals("WalletFunction")) {
        assertNotEquals(before.get(function), after.get(function), "SAM publishes new code (a new S3 key) itself");
      } else {
        assertEquals(before.get(function), after.get(function), function);
      }
    }
  }

  /** What SAM does without the fingerprint, and what then stops the deployment. */
  @Test
  void aParameterChange_throughAPlainSamDeploy_publishesNothing_soTheGuardFailsTheDeployment() {
    Map<String, String> deployed = throughDeploy(base());
    String fingerprint = deployed.get("DeployFingerprint");
    SamTransform.Transformed first = deploy(base(), Map.of());
    assertEquals("SUCCESS", DeployGuardRun.answer(first, deployed, "Create", cloudFormation).get("Status"));
    Map<String, String> plainBefore = versions(plainSamDeploy(base(), fingerprint, Map.of()));
    for (Map<String, String> change : CHANGES.subList(0, 2)) {
      Map<String, String> plain = new TreeMap<>(with(change));
      plain.put("DeployFingerprint", fingerprint); // sam deploy: UsePreviousValue
      SamTransform.Transformed stale = plainSamDeploy(with(change), fingerprint, Map.of());
      assertEquals(plainBefore, versions(stale), change + ": SAM publishes nothing for a parameter change alone");
      Map<String, Object> answer = DeployGuardRun.answer(stale, plain, "Update", cloudFormation);
      assertEquals("FAILED", answer.get("Status"), change + ": " + answer);
      assertTrue(String.valueOf(answer.get("Reason")).contains("./deploy"), String.valueOf(answer.get("Reason")));
      // the rollback's Update carries the previous values, which match: nothing wedges
      assertEquals("SUCCESS", DeployGuardRun.answer(first, deployed, "Update", cloudFormation).get("Status"));
      Map<String, String> redeployed = throughDeploy(with(change));
      assertEquals("SUCCESS", DeployGuardRun.answer(deploy(with(change), Map.of()), redeployed, "Update",
          cloudFormation).get("Status"));
    }
    assertEquals("SUCCESS", DeployGuardRun.answer(first, deployed, "Delete", cloudFormation).get("Status"));
  }

  /** Anyone allowed to invoke the guard could name any ResponseURL: it answers only CloudFormation's bucket. */
  @Test
  void theGuard_answersNoUrlButCloudFormations() {
    Map<String, String> deployed = throughDeploy(base());
    DeployGuardRun.send(deploy(base(), Map.of()), deployed, "Update", cloudFormation, false);
    assertEquals(List.of(), cloudFormation.answers(), "a loopback URL outside a local run is not CloudFormation's");
  }

  @Test
  void noFingerprint_isRefusedByARule_beforeAnythingChanges() {
    SamTransform.Transformed stack = SamTransform.transform(base(), Map.of());
    List<String> refused = new Rules(stack.template()).refusals(base());
    assertTrue(refused.stream().anyMatch(r -> r.startsWith("DeployWithTheDeployCommand") && r.contains("./deploy")),
        refused.toString());
    assertEquals(List.of(), new Rules(stack.template()).refusals(throughDeploy(base())));
  }

  @Test
  void theGuardIsGivenEveryParameter_andTheDeployCommandEveryFunctionsCodeSha() {
    SamTransform.Transformed stack = deploy(base(), Map.of());
    Set<String> parameters = new TreeSet<>();
    stack.template().path("Parameters").fieldNames().forEachRemaining(parameters::add);
    parameters.remove("DeployFingerprint");
    Set<String> guarded = new TreeSet<>();
    stack.properties("DeployGuard").path("Parameters").fieldNames().forEachRemaining(guarded::add);
    assertEquals(parameters, guarded);
    String sha = DeployCommand.fingerprint(base(), DeployCommand.sha256("{}")).get("AutoPublishCodeSha256");
    List<String> without = new ArrayList<>();
    for (String function : FUNCTIONS) {
      if (!stack.properties(function).path("Description").asText().endsWith(" " + sha)) {
        without.add(function);
      }
    }
    assertEquals(List.of(), without, "SAM appends AutoPublishCodeSha256 to the description, so Lambda publishes");
  }

  /** ./deploy, run as an operator runs it. */
  static final class DeployCommand {
    private DeployCommand() {}

    static String sha256(String text) {
      try {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(text.getBytes(StandardCharsets.UTF_8)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private static final Map<String, Map<String, String>> RUNS = new java.util.concurrent.ConcurrentHashMap<>();

    /** ./deploy fingerprint's answer (each distinct question asked once: a python run is not free). */
    static Map<String, String> fingerprint(Map<String, String> parameters, String codeSha) {
      return RUNS.computeIfAbsent(new TreeMap<>(parameters) + "|" + codeSha, k -> run(parameters, codeSha));
    }

    private static Map<String, String> run(Map<String, String> parameters, String codeSha) {
      List<String> command = new ArrayList<>(List.of("python3", "deploy", "fingerprint", "--config-env", "none"));
      if (codeSha != null) {
        command.addAll(List.of("--code-sha", codeSha));
      }
      command.add("--parameter-overrides");
      parameters.forEach((k, v) -> {
        if (!k.equals("DeployFingerprint")) {
          command.add(k + "=" + v);
        }
      });
      try {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), err);
        JsonNode printed = new ObjectMapper().readTree(out);
        Map<String, String> shas = new TreeMap<>();
        shas.put("DeployFingerprint", printed.path("DeployFingerprint").asText());
        shas.put("AutoPublishCodeSha256", printed.path("AutoPublishCodeSha256").asText(null));
        return shas;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
