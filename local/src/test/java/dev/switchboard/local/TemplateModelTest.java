package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateModelTest {
  static final Path TEST_TEMPLATE = Path.of("local/src/test/resources/test-template.yaml");

  private final TemplateModel template = TemplateModel.load(TEST_TEMPLATE);

  private Map<String, String> env(Map<String, String> overrides) {
    return TemplateModel.environment(template.function("EchoFunction").orElseThrow(),
        template.intrinsics(overrides, Map.of())).values();
  }

  @Test
  void shortTags_areReadAsTheLongFormCloudFormationUses(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("t.yaml");
    Files.writeString(file, "A: !Ref X\nB: !GetAtt Api.Endpoint\nC: !Sub [\"${a}\", {a: b}]\nD: !If [C, 1, 2]\n");

    Map<String, Object> root = CfnYaml.load(file);

    assertEquals(Map.of("Ref", "X"), root.get("A"));
    assertEquals(Map.of("Fn::GetAtt", List.of("Api", "Endpoint")), root.get("B"));
    assertEquals(Map.of("Fn::Sub", List.of("${a}", Map.of("a", "b"))), root.get("C"));
    assertEquals(Map.of("Fn::If", List.of("C", 1, 2)), root.get("D"));
  }

  @Test
  void functions_haveGlobalsMergedIn_andTheirOwnValuesWin() {
    FunctionSpec echo = template.function("EchoFunction").orElseThrow();
    FunctionSpec slow = template.function("SlowFunction").orElseThrow();

    assertEquals("dev.switchboard.local.EchoHandler", echo.handlerClass());
    assertEquals(10, echo.timeoutSeconds());
    assertEquals(256, echo.memoryMb());
    assertEquals(1, slow.timeoutSeconds());
    assertEquals("from-globals", env(Map.of()).get("TEST_GLOBAL"));
    assertEquals("from-function", env(Map.of()).get("TEST_OVERRIDDEN"));
    assertEquals(List.of("EchoFunction", "HttpEchoFunction", "ThrowingFunction", "SlowFunction",
        "BrokenInitFunction"), List.copyOf(template.functions().keySet()));
  }

  @Test
  void environment_resolvesParametersPseudoParametersConditionsAndMappings() {
    Map<String, String> env = env(Map.of());

    assertEquals("hello", env.get("TEST_GREETING"));
    assertEquals("hello-us-east-1-123456789012-${Literal}", env.get("TEST_SUB"));
    assertEquals("hello:8080", env.get("TEST_SUB_LIST"));
    assertEquals("not-prod", env.get("TEST_IF"));
    assertEquals("dev", env.get("TEST_CONDITION"));
    assertEquals("a-y", env.get("TEST_JOIN"));
    assertEquals("1000", env.get("TEST_MAP"));
    assertFalse(env.containsKey("TEST_NO_VALUE"), "AWS::NoValue removes the variable");
  }

  @Test
  void parameterOverrides_winOverDefaults_andFlowThroughConditions() {
    Map<String, String> env = env(Map.of("Greeting", "hi", "Stage", "production"));

    assertEquals("hi", env.get("TEST_GREETING"));
    assertEquals("prod", env.get("TEST_IF"));
    assertEquals("not-dev", env.get("TEST_CONDITION"));
    assertEquals("set", env.get("TEST_NO_VALUE"));
  }

  @Test
  void anOverrideOfAnUndeclaredParameter_isRefusedNamingTheDeclaredOnes() {
    TemplateException e = assertThrows(TemplateException.class,
        () -> template.intrinsics(Map.of("Greting", "typo"), Map.of()));
    assertTrue(e.getMessage().contains("Greting") && e.getMessage().contains("Greeting"), e.getMessage());
  }

  @Test
  void whatNamesADeployedResource_orAParameterWithoutDefault_isReportedAndLeftUnset() {
    TemplateModel.ResolvedEnvironment env = TemplateModel.environment(
        template.function("EchoFunction").orElseThrow(), template.intrinsics(Map.of(), Map.of()));

    assertFalse(env.values().containsKey("TEST_RESOURCE"));
    assertTrue(env.unresolved().get("TEST_RESOURCE").contains("Api"), env.unresolved().toString());
    assertTrue(env.unresolved().get("TEST_NO_DEFAULT").contains("--parameter-overrides NoDefault="),
        env.unresolved().toString());
    assertEquals("given", TemplateModel.environment(template.function("EchoFunction").orElseThrow(),
        template.intrinsics(Map.of("NoDefault", "given"), Map.of())).values().get("TEST_NO_DEFAULT"));
  }

  @Test
  void routes_comeFromHttpApiEvents_withTheApiDefaultAuthorizerUnlessNone() {
    List<HttpRoute> routes = template.routes();

    assertEquals(4, routes.size());
    HttpRoute item = routes.stream().filter(r -> r.path().equals("/items/{id}")).findFirst().orElseThrow();
    HttpRoute upload = routes.stream().filter(r -> r.path().equals("/items")).findFirst().orElseThrow();
    HttpRoute hook = routes.stream().filter(r -> r.path().startsWith("/hooks/")).findFirst().orElseThrow();
    assertEquals("GET /items/{id}", item.routeKey());
    assertEquals("POST", upload.method(), "methods are upper-cased");
    assertTrue(item.authorized());
    assertFalse(hook.authorized(), "Auth: Authorizer: NONE");
    assertEquals("HttpEchoFunction", hook.functionId());
  }

  @Test
  void routePaths_matchOneSegmentPerParameter_decoded() {
    HttpRoute route = new HttpRoute("DELETE", "/phone-numbers/{id}", "F", true);

    assertEquals(Map.of("id", "a b"), route.match("/phone-numbers/a%20b").orElseThrow());
    assertTrue(route.match("/phone-numbers/a/b").isEmpty());
    assertTrue(route.match("/phone-numbers").isEmpty());
    assertEquals(Map.of("proxy", "a/b"), new HttpRoute("ANY", "/{proxy+}", "F", true).match("/a/b").orElseThrow());
  }

  @Test
  void theProjectTemplate_isUnderstood_everyFunctionWithAHandlerOnTheClassPath() throws Exception {
    TemplateModel project = TemplateModel.load(Path.of("template.yaml"));

    assertTrue(project.functions().keySet().containsAll(List.of("ProvisionNumberFunction", "ListNumbersFunction",
        "ReleaseNumberFunction", "ReconcileFunction", "StripeWebhookFunction", "WalletFunction",
        "StripeWebhookEndpointFunction", "DatabaseMigrationFunction")), project.functions().keySet().toString());
    for (FunctionSpec f : project.functions().values()) {
      Class.forName(f.handlerClass(), false, getClass().getClassLoader());
    }
    List<String> routes = project.routes().stream().map(HttpRoute::routeKey).sorted().toList();
    assertTrue(routes.containsAll(List.of("DELETE /phone-numbers/{id}", "GET /phone-numbers",
        "GET /phone-numbers/available", "GET /wallet", "POST /phone-numbers", "POST /wallet/top-ups",
        "POST /webhooks/stripe")), routes.toString());
    assertFalse(project.routes().stream().filter(r -> r.path().equals("/webhooks/stripe")).findFirst()
        .orElseThrow().authorized(), "Stripe cannot send a JWT");
    assertTrue(project.routes().stream().filter(r -> !r.path().equals("/webhooks/stripe"))
        .allMatch(HttpRoute::authorized));
  }
}
