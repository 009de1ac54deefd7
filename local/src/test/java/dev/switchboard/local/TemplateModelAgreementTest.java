package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The local runner reads template.yaml with its own model (TemplateModel, Intrinsics): it must
 * see what the SAM transform makes of it, the same functions with the same handlers, limits and
 * environment (Globals merged the way SAM merges them), the same routes behind the same
 * authorizer, and the schedule the runner's event file stands for.
 */
class TemplateModelAgreementTest {
  private static final Pattern ALIAS = Pattern.compile("functions/\\$\\{([A-Za-z0-9]+)Aliaslive}/invocations");

  private final TemplateModel model = TemplateModel.load(SamTransform.TEMPLATE);
  private final SamTransform.Transformed transformed = SamTransform.with(Map.of());
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theSameFunctions_withTheSameHandlersLimitsAndEnvironment() {
    // every function SAM made (each has its live alias); DeployGuard's inline function is CloudFormation's alone
    assertEquals(new TreeSet<>(model.functions().keySet()), new TreeSet<>(transformed.ofType("AWS::Lambda::Function")
        .stream().filter(f -> transformed.resources().has(transformed.aliasOf(f))).toList()));
    for (FunctionSpec function : model.functions().values()) {
      JsonNode properties = transformed.properties(function.logicalId());
      assertEquals(function.handler(), properties.path("Handler").asText(), function.logicalId());
      assertEquals(function.timeoutSeconds(), properties.path("Timeout").asInt(), function.logicalId());
      assertEquals(function.memoryMb(), properties.path("MemorySize").asInt(), function.logicalId());
      assertEquals(properties.path("Environment").path("Variables"), json.valueToTree(function.environment()),
          function.logicalId() + ": the environment as the runner reads it");
      assertEquals(properties.path("LoggingConfig"), json.valueToTree(function.loggingConfig()), function.logicalId());
    }
  }

  @Test
  void theSameRoutes_toTheSameFunctions_behindTheSameAuthorizer() {
    Set<String> fromModel = new TreeSet<>();
    model.routes().forEach(r -> fromModel.add(r.method() + " " + r.path() + " -> " + r.functionId()
        + (r.authorized() ? " (authorizer)" : "")));
    Set<String> fromTransform = new TreeSet<>();
    transformed.properties("HttpApi").path("Body").path("paths").properties().forEach(path ->
        path.getValue().properties().forEach(method -> {
          JsonNode operation = method.getValue();
          Matcher alias = ALIAS.matcher(operation.path("x-amazon-apigateway-integration").path("uri").path("Fn::Sub").asText());
          assertTrue(alias.find(), method.getKey() + " " + path.getKey() + ": integrates no function's live alias");
          fromTransform.add(method.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey() + " -> " + alias.group(1)
              + (operation.has("security") ? " (authorizer)" : ""));
        }));
    assertEquals(fromTransform, fromModel);
    assertEquals(7, fromModel.size());
  }

  @Test
  void theScheduleTheRunnersEventFileStandsFor_invokesTheReconcilersLiveAlias() throws Exception {
    JsonNode event = json.readTree(Files.readString(Path.of("events/schedule-reconcile.json")));
    String rule = event.path("resources").get(0).asText();
    String ruleId = transformed.ofType("AWS::Events::Rule").stream().filter(rule::contains).findFirst()
        .orElseThrow(() -> new AssertionError("no rule of the transform is named in " + rule));
    JsonNode properties = transformed.properties(ruleId);
    assertEquals("Scheduled Event", event.path("detail-type").asText());
    assertEquals("rate(15 minutes)", properties.path("ScheduleExpression").asText());
    assertEquals("ENABLED", properties.path("State").asText());
    assertEquals(transformed.aliasOf("ReconcileFunction"), properties.path("Targets").get(0).path("Arn").path("Ref").asText());
    assertTrue(model.function("ReconcileFunction").isPresent());
  }
}
