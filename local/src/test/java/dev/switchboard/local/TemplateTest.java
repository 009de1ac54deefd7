package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * template.yaml as SAM would deploy it: every handler is a real Lambda handler class of the
 * module its CodeUri names, the Makefile builds that module, every reference resolves, the
 * JWT authorizer guards every route but Stripe's, and secrets stay where they belong.
 * (cfn-lint checks the template against the CloudFormation and SAM schemas; .ci/run runs it.)
 */
class TemplateTest {
  private static final Path TEMPLATE = Path.of("template.yaml");
  private static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::NoValue",
      "AWS::NotificationARNs", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName",
      "AWS::URLSuffix");
  private static final Set<String> EXPECTED_FUNCTIONS = Set.of("ProvisionNumberFunction",
      "ListNumbersFunction", "ReleaseNumberFunction", "ReconcileFunction", "StripeWebhookFunction",
      "WalletFunction", "StripeWebhookEndpointFunction", "DatabaseMigrationFunction", "AuthorizerFunction");

  private static Map<String, Object> template;
  private static Map<String, Object> resources;

  @BeforeAll
  static void load() throws IOException {
    template = map(new Yaml(new CloudFormationTags()).load(Files.readString(TEMPLATE)));
    resources = map(template.get("Resources"));
  }

  @Test
  void template_isASamTemplateWithEveryFunctionOfTheDesign() {
    assertEquals("AWS::Serverless-2016-10-31", template.get("Transform"));
    assertEquals(EXPECTED_FUNCTIONS, functions().keySet());
  }

  @Test
  void everyHandler_isALambdaHandlerClassWithAPublicNoArgConstructor() throws Exception {
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      String handler = (String) properties(f.getValue()).get("Handler");
      String[] parts = handler.split("::");
      assertEquals(2, parts.length, f.getKey() + ": Handler must be class::method, was " + handler);
      Class<?> type = Class.forName(parts[0]);
      assertTrue(RequestHandler.class.isAssignableFrom(type) || RequestStreamHandler.class.isAssignableFrom(type),
          f.getKey() + ": " + type.getName() + " implements no Lambda handler interface");
      assertFalse(Modifier.isAbstract(type.getModifiers()), f.getKey() + ": handler class is abstract");
      assertTrue(Modifier.isPublic(type.getConstructor().getModifiers()),
          f.getKey() + ": the runtime needs a public no-arg constructor");
      boolean hasMethod = false;
      for (Method m : type.getMethods()) {
        hasMethod |= m.getName().equals(parts[1]) && m.getParameterCount() >= 2
            && m.getParameterTypes()[m.getParameterCount() - 1] == Context.class;
      }
      assertTrue(hasMethod, f.getKey() + ": no public " + parts[1] + "(…, Context)");
    }
  }

  @Test
  void everyCodeUri_isAFunctionModuleThatTheMakefileBuildsForThatFunction() throws IOException {
    String makefile = Files.readString(Path.of("Makefile"));
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      String codeUri = (String) properties(f.getValue()).get("CodeUri");
      Path module = Path.of(codeUri);
      assertTrue(codeUri.startsWith("functions/") && Files.isRegularFile(module.resolve("pom.xml")),
          f.getKey() + ": CodeUri " + codeUri + " is not a function module");
      assertTrue(Files.readString(Path.of("functions/pom.xml")).contains("<module>" + module.getFileName() + "</module>"),
          f.getKey() + ": " + codeUri + " is not built by functions/pom.xml");
      assertEquals("makefile", map(f.getValue().get("Metadata")).get("BuildMethod"), f.getKey());
      Matcher target = Pattern.compile("(?m)^build-" + f.getKey() + ":[^\\n]*\\n\\t\\$\\(call package_function,([a-z-]+)\\)")
          .matcher(makefile);
      assertTrue(target.find(), "Makefile has no build-" + f.getKey() + " target");
      assertEquals(module.getFileName().toString(), target.group(1), f.getKey() + ": the Makefile builds another module");

      String handlerClass = ((String) properties(f.getValue()).get("Handler")).split("::")[0];
      String resource = "/" + handlerClass.replace('.', '/') + ".class";
      String location = String.valueOf(TemplateTest.class.getResource(resource));
      assertTrue(location.contains("/" + codeUri + "/") || location.contains(artifactId(module) + "-"),
          f.getKey() + ": " + handlerClass + " comes from " + location + ", not from " + codeUri);
    }
  }

  @Test
  void everyReference_resolvesToAParameterResourceOrPseudoParameter() {
    Set<String> parameters = map(template.get("Parameters")).keySet();
    Set<String> conditions = map(template.get("Conditions")).keySet();
    Set<String> refTargets = new HashSet<>(parameters);
    refTargets.addAll(resources.keySet());
    refTargets.addAll(PSEUDO_PARAMETERS);
    // SAM's generated references: <Function>.Version and <Function>.Alias with AutoPublishAlias
    boolean globalAlias = map(map(map(template.get("Globals")).get("Function"))).containsKey("AutoPublishAlias");
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      if (globalAlias || properties(f.getValue()).containsKey("AutoPublishAlias")) {
        refTargets.add(f.getKey() + ".Version");
        refTargets.add(f.getKey() + ".Alias");
      }
      refTargets.add(f.getKey() + "Role"); // the execution role SAM makes for it
    }

    List<String> problems = new ArrayList<>();
    for (String section : List.of("Rules", "Conditions", "Globals", "Resources", "Outputs")) {
      walk(template.get(section), section, refTargets, conditions, problems);
    }
    for (Map.Entry<String, Object> r : resources.entrySet()) {
      Object dependsOn = map(r.getValue()).get("DependsOn");
      List<?> names = dependsOn instanceof List<?> l ? l : dependsOn == null ? List.of() : List.of(dependsOn);
      names.stream().filter(n -> !resources.containsKey(n))
          .forEach(n -> problems.add(r.getKey() + ": DependsOn " + n + " is no resource"));
    }
    assertEquals(List.of(), problems);
    assertTrue(countReferences(template.get("Resources")) > 50, "the walk found the references");
  }

  /**
   * One security scheme, ApiAuthorizer, whose content AuthorizerMode chooses (docs/auth.md),
   * named by every route but Stripe's webhook in the API's DefinitionBody. What SAM makes of it
   * (the scheme kept, each route's security kept, the alias resolved) is checked on the
   * transform's own output by AuthorizerTemplateTest.
   */
  @Test
  void everyRoute_needsTheApiAuthorizer_exceptStripesWebhook() {
    Map<String, Object> api = properties(map(resources.get("HttpApi")));
    assertEquals(null, api.get("Auth"), "SAM's Auth cannot switch authorizers: the DefinitionBody holds the scheme");
    Map<String, Object> body = map(api.get("DefinitionBody"));
    List<?> scheme = (List<?>) map(map(map(body.get("components")).get("securitySchemes")).get("ApiAuthorizer"))
        .get("Fn::If");
    assertEquals("UseLambdaAuthorizer", scheme.get(0));
    Map<String, Object> lambda = map(map(scheme.get(1)).get("x-amazon-apigateway-authorizer"));
    assertEquals("request", lambda.get("type"));
    assertEquals("2.0", lambda.get("authorizerPayloadFormatVersion"));
    assertEquals(true, lambda.get("enableSimpleResponses"));
    assertEquals(List.of("$request.header.Authorization"), lambda.get("identitySource"));
    assertEquals(Map.of("Ref", "AuthorizerCacheTtlSeconds"), lambda.get("authorizerResultTtlInSeconds"));
    assertTrue(String.valueOf(lambda.get("authorizerUri")).contains("${AuthorizerFunction.Alias}"));
    Map<String, Object> jwt = map(map(map(scheme.get(2)).get("x-amazon-apigateway-authorizer")).get("jwtConfiguration"));
    assertEquals(Map.of("Ref", "JwtIssuer"), jwt.get("issuer"));
    assertEquals(Map.of("Ref", "JwtAudience"), jwt.get("audience"));

    Map<String, Object> paths = map(body.get("paths"));
    Set<String> routes = new TreeSet<>();
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      Object events = properties(f.getValue()).get("Events");
      if (events == null) {
        continue;
      }
      for (Object e : map(events).values()) {
        Map<String, Object> event = map(e);
        if (!"HttpApi".equals(event.get("Type"))) {
          continue;
        }
        Map<String, Object> p = map(event.get("Properties"));
        String route = p.get("Method") + " " + p.get("Path");
        routes.add(route + " -> " + f.getKey());
        assertEquals(Map.of("Ref", "HttpApi"), p.get("ApiId"), route);
        assertEquals(null, p.get("Auth"), route + ": the DefinitionBody decides");
        Object operation = paths.containsKey(p.get("Path"))
            ? map(paths.get(p.get("Path"))).get(String.valueOf(p.get("Method")).toLowerCase(java.util.Locale.ROOT))
            : null;
        if (route.equals("POST /webhooks/stripe")) {
          assertEquals(null, operation, "Stripe cannot send a JWT: no security for the webhook");
        } else {
          assertEquals(List.of(Map.of("ApiAuthorizer", List.of())), map(operation).get("security"), route);
        }
      }
    }
    assertEquals(new TreeSet<>(Set.of(
        "DELETE /phone-numbers/{id} -> ReleaseNumberFunction",
        "GET /phone-numbers -> ListNumbersFunction",
        "GET /phone-numbers/available -> ProvisionNumberFunction",
        "GET /wallet -> WalletFunction",
        "POST /phone-numbers -> ProvisionNumberFunction",
        "POST /wallet/top-ups -> WalletFunction",
        "POST /webhooks/stripe -> StripeWebhookFunction")), routes);
  }

  @Test
  void onlyTheEndpointFunction_mayWriteTheSigningSecret_andNoOutputCarriesASecret() {
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      String policies = String.valueOf(properties(f.getValue()).get("Policies"));
      if (f.getKey().equals("StripeWebhookEndpointFunction")) {
        assertTrue(policies.contains("Action=[secretsmanager:GetSecretValue, secretsmanager:PutSecretValue], "
            + "Resource={Ref=StripeWebhookSigningSecret}"), policies);
      } else {
        assertFalse(policies.contains("PutSecretValue"), f.getKey() + " may not write secrets");
      }
      assertFalse(policies.contains("secretsmanager:*") || policies.contains("Resource=*"),
          f.getKey() + ": no wildcard grants");
    }
    Map<String, Object> secret = properties(map(resources.get("StripeWebhookSigningSecret")));
    assertFalse(secret.containsKey("SecretString") || secret.containsKey("GenerateSecretString"),
        "the template must never set (or reset) the signing secret's value");
    String outputs = String.valueOf(template.get("Outputs"));
    assertFalse(outputs.contains("resolve:secretsmanager") || outputs.contains("SecretString"), outputs);
  }

  // ------------------------------------------------------------------ operations

  @Test
  void everyAlarm_notifiesTheAlarmTopic_whenItFires_andWhenItRecovers() {
    Map<String, Object> notify = Map.of("Fn::If", List.of("HasAlarmTopic", List.of(Map.of("Ref", "AlarmTopicArn")),
        Map.of("Ref", "AWS::NoValue")));
    Set<String> alarms = ofType("AWS::CloudWatch::Alarm").keySet();
    assertTrue(alarms.containsAll(Set.of("Api5xxAlarm", "RequestsCrashedAlarm", "FunctionThrottlesAlarm",
        "FunctionErrorsAlarm")), alarms.toString());
    for (String alarm : alarms) {
      Map<String, Object> p = properties(map(resources.get(alarm)));
      assertEquals(notify, p.get("AlarmActions"), alarm);
      assertEquals(notify, p.get("OKActions"), alarm);
    }
  }

  @Test
  void whatUsersSee_isAlarmed_theApis5xxAnswers_andACrashInAnyApiFunction() {
    Map<String, Object> api5xx = properties(map(resources.get("Api5xxAlarm")));
    assertEquals("AWS/ApiGateway", api5xx.get("Namespace"));
    assertEquals("5xx", api5xx.get("MetricName"));
    assertEquals(List.of(Map.of("Name", "ApiId", "Value", Map.of("Ref", "HttpApi"))), api5xx.get("Dimensions"));

    Map<String, Object> crashed = properties(map(resources.get("RequestsCrashedAlarm")));
    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      if (!eventTypes(f.getValue()).contains("HttpApi")) {
        continue;
      }
      Object logGroup = map(properties(f.getValue()).get("LoggingConfig")).get("LogGroup");
      boolean filtered = ofType("AWS::Logs::MetricFilter").values().stream().map(TemplateTest::properties)
          .anyMatch(p -> p.get("LogGroupName").equals(logGroup)
              && "{ $.event = \"request.crashed\" }".equals(p.get("FilterPattern"))
              && map(((List<?>) p.get("MetricTransformations")).get(0)).get("MetricName").equals(crashed.get("MetricName"))
              && map(((List<?>) p.get("MetricTransformations")).get(0)).get("MetricNamespace")
                  .equals(crashed.get("Namespace")));
      assertTrue(filtered, f.getKey() + ": its request.crashed lines feed no alarm");
    }
  }

  @Test
  void everyRequestAndScheduledFunction_isInTheErrorsAndTheThrottlesAlarm() {
    for (String alarm : List.of("FunctionErrorsAlarm", "FunctionThrottlesAlarm")) {
      String metrics = String.valueOf(properties(map(resources.get(alarm))).get("Metrics"));
      for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
        Set<String> events = eventTypes(f.getValue());
        if (events.contains("HttpApi") || events.contains("Schedule")) {
          assertTrue(metrics.contains("Value={Ref=" + f.getKey() + "}"), alarm + " misses " + f.getKey());
        }
      }
      assertTrue(metrics.contains("Expression=SUM(METRICS())"), alarm);
    }
  }

  @Test
  void everyMetricFilter_matchesAnEventTheCodeReallyLogs() throws IOException {
    StringBuilder sources = new StringBuilder();
    for (String module : List.of("shared", "functions")) {
      try (var files = Files.walk(Path.of(module))) {
        for (Path p : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")).toList()) {
          sources.append(Files.readString(p));
        }
      }
    }
    Pattern event = Pattern.compile("\\{ \\$\\.event = \"([a-z_.]+)\" }");
    for (Map.Entry<String, Map<String, Object>> filter : ofType("AWS::Logs::MetricFilter").entrySet()) {
      Matcher m = event.matcher(String.valueOf(properties(filter.getValue()).get("FilterPattern")));
      assertTrue(m.matches(), filter.getKey() + ": the filters match the JSON field event");
      assertTrue(sources.indexOf("\"" + m.group(1) + "\"") >= 0, filter.getKey() + ": no code logs " + m.group(1));
    }
  }

  @Test
  void theReconciler_reservesNoConcurrency_andAFailedRunIsLeftToTheNextRun() {
    Map<String, Object> reconcile = properties(functions().get("ReconcileFunction"));
    assertFalse(reconcile.containsKey("ReservedConcurrentExecutions"), "runs that overlap lease different numbers");
    assertEquals(0, map(reconcile.get("EventInvokeConfig")).get("MaximumRetryAttempts"), "Lambda's async retries");
    Map<String, Object> schedule = map(map(map(reconcile.get("Events")).get("Every15Minutes")).get("Properties"));
    assertEquals(0, map(schedule.get("RetryPolicy")).get("MaximumRetryAttempts"), "EventBridge's retries");
    int maxAge = (int) map(reconcile.get("EventInvokeConfig")).get("MaximumEventAgeInSeconds");
    assertTrue(maxAge <= 15 * 60, "a run waiting longer than the schedule's period is superseded by the next");
  }

  /** The connection budget (docs/deploy.md) is numbers an operator sets, and a created proxy multiplexes over TLS. */
  @Test
  void everyFunctionServingTraffic_hasItsReservedConcurrencyAsAParameter_andTheProxyRequiresTls() {
    Map<String, String> family = Map.of("ProvisionNumberFunction", "ApiReservedConcurrency",
        "ListNumbersFunction", "ApiReservedConcurrency", "ReleaseNumberFunction", "ApiReservedConcurrency",
        "WalletFunction", "ApiReservedConcurrency", "StripeWebhookFunction", "WebhookReservedConcurrency");
    family.forEach((function, parameter) -> assertEquals(
        Map.of("Fn::If", List.of("Has" + parameter, Map.of("Ref", parameter), Map.of("Ref", "AWS::NoValue"))),
        properties(functions().get(function)).get("ReservedConcurrentExecutions"), function));
    Map<String, Object> proxy = properties(map(resources.get("DatabaseProxy")));
    assertEquals("POSTGRESQL", proxy.get("EngineFamily"));
    assertEquals(true, proxy.get("RequireTLS"));
    Map<String, Object> globals = map(map(template.get("Globals")).get("Function"));
    assertTrue(map(map(globals.get("Environment")).get("Variables")).containsKey("DATABASE_PROXY_HOST"));
  }

  @Test
  void logLevelsAndTracing_areParameters_withLambdasDefaults() {
    Map<String, Object> globals = map(map(template.get("Globals")).get("Function"));
    Map<String, Object> logging = map(globals.get("LoggingConfig"));
    assertEquals("JSON", logging.get("LogFormat"), "level filtering needs the JSON log format");
    assertEquals(Map.of("Ref", "ApplicationLogLevel"), logging.get("ApplicationLogLevel"));
    assertEquals(Map.of("Ref", "SystemLogLevel"), logging.get("SystemLogLevel"));
    assertEquals(Map.of("Ref", "Tracing"), globals.get("Tracing"));
    Map<String, Object> parameters = map(template.get("Parameters"));
    assertEquals("INFO", map(parameters.get("ApplicationLogLevel")).get("Default"));
    assertEquals("INFO", map(parameters.get("SystemLogLevel")).get("Default"));
    assertEquals("Disabled", map(parameters.get("Tracing")).get("Default"), "X-Ray is off unless asked for");
    assertEquals(List.of("Disabled", "PassThrough", "Active"), map(parameters.get("Tracing")).get("AllowedValues"));
  }

  @Test
  void cors_isThereOnlyWithAllowedOrigins_andAllowsTheHeadersTheApiReads() {
    Map<String, Object> api = properties(map(resources.get("HttpApi")));
    List<?> cors = (List<?>) map(api.get("CorsConfiguration")).get("Fn::If");
    assertEquals("HasCorsOrigins", cors.get(0));
    assertEquals(Map.of("Ref", "AWS::NoValue"), cors.get(2), "no origins given: no CORS at all");
    Map<String, Object> config = map(cors.get(1));
    assertEquals(Map.of("Fn::Split", List.of(",", Map.of("Ref", "CorsAllowedOrigins"))), config.get("AllowOrigins"));
    assertTrue(((List<?>) config.get("AllowHeaders")).containsAll(List.of("authorization", "content-type",
        "idempotency-key")), String.valueOf(config));
    assertEquals("", map(map(template.get("Parameters")).get("CorsAllowedOrigins")).get("Default"));
  }

  private static Map<String, Map<String, Object>> ofType(String type) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    resources.forEach((id, r) -> {
      if (type.equals(map(r).get("Type"))) {
        out.put(id, map(r));
      }
    });
    return out;
  }

  private static Set<String> eventTypes(Map<String, Object> function) {
    Object events = properties(function).get("Events");
    Set<String> types = new TreeSet<>();
    if (events != null) {
      map(events).values().forEach(e -> types.add(String.valueOf(map(e).get("Type"))));
    }
    return types;
  }

  /**
   * Least privilege for secrets: every function used to read one whole secret bundle (the public webhook could read
   * the Twilio master token and the encryption key). Now each names, in <NAME>_SECRET_ID, only
   * the secrets it uses, and its role may read exactly those; the customer key decrypts only
   * through Secrets Manager.
   */
  @Test
  void eachFunction_mayReadOnlyTheSecretsItUses_andDecryptOnlyThroughSecretsManager() {
    Map<String, Set<String>> expected = Map.of(
        "ProvisionNumberFunction", Set.of("DATABASE_URL", "TWILIO_MASTER_AUTH_TOKEN", "VAPI_API_KEY", "ENCRYPTION_KEY"),
        "ListNumbersFunction", Set.of("DATABASE_URL"),
        "ReleaseNumberFunction", Set.of("DATABASE_URL", "TWILIO_MASTER_AUTH_TOKEN", "VAPI_API_KEY"),
        "ReconcileFunction", Set.of("DATABASE_URL", "TWILIO_MASTER_AUTH_TOKEN", "VAPI_API_KEY", "ENCRYPTION_KEY"),
        "StripeWebhookFunction", Set.of("DATABASE_URL", "STRIPE_WEBHOOK_SECRET"),
        "WalletFunction", Set.of("DATABASE_URL", "STRIPE_API_KEY"),
        "StripeWebhookEndpointFunction", Set.of("STRIPE_API_KEY"),
        "DatabaseMigrationFunction", Set.of("MIGRATION_DATABASE_URL", "DATABASE_URL"),
        "AuthorizerFunction", Set.of("AUTHORIZER_HS256_SECRET"));
    String globals = String.valueOf(map(template.get("Globals")).get("Function"));
    assertFalse(globals.contains("SECRET"), "no secret is given to every function: " + globals);

    for (Map.Entry<String, Map<String, Object>> f : functions().entrySet()) {
      Map<String, Object> props = properties(f.getValue());
      Map<String, Object> env = props.containsKey("Environment")
          ? map(map(props.get("Environment")).get("Variables")) : Map.of();
      Set<String> settings = new TreeSet<>();
      Set<String> named = new TreeSet<>();
      env.forEach((name, value) -> {
        if (name.endsWith("_SECRET_ID")) {
          settings.add(name.substring(0, name.length() - "_SECRET_ID".length()));
          named.addAll(refs(value));
        }
      });
      assertEquals(new TreeSet<>(expected.get(f.getKey())), settings, f.getKey() + " names these secrets");

      Set<String> granted = new TreeSet<>();
      // the operator's secrets: a managed policy per secret that attaches itself to the readers' roles
      for (Map<String, Object> managed : ofType("AWS::IAM::ManagedPolicy").values()) {
        if (String.valueOf(properties(managed).get("Roles")).contains("{Ref=" + f.getKey() + "Role}")
            && String.valueOf(properties(managed).get("PolicyDocument")).contains("secretsmanager:GetSecretValue")) {
          granted.addAll(refs(map(properties(managed).get("PolicyDocument")).get("Statement")));
        }
      }
      for (Object policy : (List<?>) props.get("Policies")) {
        // a grant given only when its secret is (the authorizer's): the granting branch
        if (policy instanceof Map<?, ?> conditional && conditional.get("Fn::If") instanceof List<?> branches) {
          policy = branches.get(1);
        }
        if (policy instanceof Map<?, ?> m && m.containsKey("AWSSecretsManagerGetSecretValuePolicy")) {
          granted.addAll(refs(m.get("AWSSecretsManagerGetSecretValuePolicy")));
        }
      }
      assertEquals(named, granted, f.getKey() + " may read exactly the secrets it names");
      String policies = String.valueOf(props.get("Policies"));
      assertFalse(policies.contains("kms:Decrypt"), f.getKey() + ": no direct kms:Decrypt");
      assertTrue(policies.contains("{Fn::If=[HasSecretsKmsKey, {Ref=SecretsKmsDecryptPolicy}, {Ref=AWS::NoValue}]}"),
          f.getKey() + " decrypts through the shared, conditioned policy: " + policies);
    }
    Map<String, Object> kms = map(resources.get("SecretsKmsDecryptPolicy"));
    assertEquals("HasSecretsKmsKey", kms.get("Condition"));
    assertEquals("[{Effect=Allow, Action=kms:Decrypt, Resource={Ref=SecretsKmsKeyArn}, Condition={StringEquals="
        + "{kms:ViaService={Fn::Sub=secretsmanager.${AWS::Region}.${AWS::URLSuffix}}}}}]",
        String.valueOf(map(properties(kms).get("PolicyDocument")).get("Statement")));
  }

  /** Every !Ref target inside a node, but AWS::NoValue. */
  private static Set<String> refs(Object node) {
    Set<String> out = new TreeSet<>();
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if ("Ref".equals(k) && !"AWS::NoValue".equals(v)) {
          out.add(String.valueOf(v));
        } else {
          out.addAll(refs(v));
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> out.addAll(refs(v)));
    }
    return out;
  }

  // ------------------------------------------------------------------ the walk

  private static void walk(Object node, String where, Set<String> refTargets, Set<String> conditions,
                           List<String> problems) {
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), where + "[" + i + "]", refTargets, conditions, problems);
      }
      return;
    }
    if (!(node instanceof Map<?, ?> m)) {
      return;
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object value = e.getValue();
      String here = where + "." + key;
      switch (key) {
        case "Ref" -> {
          if (!refTargets.contains(String.valueOf(value))) {
            problems.add(here + ": Ref " + value + " resolves to nothing");
          }
        }
        case "Fn::GetAtt" -> {
          String target = value instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(value).split("\\.")[0];
          if (!resources.containsKey(target)) {
            problems.add(here + ": GetAtt " + target + " is no resource");
          }
        }
        case "Fn::Sub" -> {
          String text = value instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(value);
          Set<String> variables = value instanceof List<?> l && l.size() > 1 ? map(l.get(1)).keySet() : Set.of();
          Matcher v = Pattern.compile("\\$\\{([^!}][^}]*)}").matcher(text);
          while (v.find()) {
            String name = v.group(1);
            boolean ok = variables.contains(name) || refTargets.contains(name)
                || (name.contains(".") && resources.containsKey(name.substring(0, name.indexOf('.'))));
            if (!ok) {
              problems.add(here + ": ${" + name + "} resolves to nothing");
            }
          }
        }
        case "Fn::If" -> {
          String condition = String.valueOf(((List<?>) value).get(0));
          if (!conditions.contains(condition)) {
            problems.add(here + ": condition " + condition + " is not defined");
          }
        }
        case "Condition" -> {
          if (value instanceof String c && !conditions.contains(c)) {
            problems.add(here + ": condition " + c + " is not defined");
          }
        }
        default -> {
          if (key.startsWith("Fn::") && !Set.of("Fn::Join", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or",
              "Fn::Select", "Fn::Split", "Fn::Base64", "Fn::GetAZs", "Fn::FindInMap", "Fn::ImportValue",
              "Fn::Cidr", "Fn::Contains").contains(key)) {
            problems.add(here + ": unknown intrinsic " + key);
          }
        }
      }
      walk(value, here, refTargets, conditions, problems);
    }
  }

  private static int countReferences(Object node) {
    if (node instanceof List<?> list) {
      return list.stream().mapToInt(TemplateTest::countReferences).sum();
    }
    if (node instanceof Map<?, ?> m) {
      int n = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String key = String.valueOf(e.getKey());
        n += (key.equals("Ref") || key.startsWith("Fn::") ? 1 : 0) + countReferences(e.getValue());
      }
      return n;
    }
    return 0;
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, Map<String, Object>> functions() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    resources.forEach((id, r) -> {
      if ("AWS::Serverless::Function".equals(map(r).get("Type"))) {
        out.put(id, map(r));
      }
    });
    return out;
  }

  private static Map<String, Object> properties(Map<String, Object> resource) {
    return map(resource.get("Properties"));
  }

  private static String artifactId(Path module) {
    try {
      String pom = Files.readString(module.resolve("pom.xml"));
      Matcher m = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>").matcher(pom);
      return m.find() ? m.group(1) : "?";
    } catch (IOException e) {
      return "?";
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    if (!(value instanceof Map)) {
      fail("expected a mapping, got " + value);
    }
    return (Map<String, Object>) value;
  }

  /** Reads CloudFormation's short forms (!Ref, !GetAtt a.b, !Sub, !If …) as their long forms. */
  private static final class CloudFormationTags extends SafeConstructor {
    CloudFormationTags() {
      super(new LoaderOptions());
      for (String fn : List.of("Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Equals",
          "Fn::Not", "Fn::And", "Fn::Or", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Base64",
          "Fn::GetAZs", "Fn::FindInMap", "Fn::ImportValue", "Fn::Cidr")) {
        String tag = "!" + (fn.startsWith("Fn::") ? fn.substring(4) : fn);
        yamlConstructors.put(new Tag(tag), new Intrinsic(fn));
      }
    }

    private final class Intrinsic extends AbstractConstruct {
      private final String name;

      Intrinsic(String name) {
        this.name = name;
      }

      @Override
      public Object construct(Node node) {
        Object value;
        if (node instanceof ScalarNode s) {
          value = constructScalar(s);
        } else if (node instanceof SequenceNode q) {
          value = constructSequence(q);
        } else {
          value = constructMapping((MappingNode) node);
        }
        if (name.equals("Fn::GetAtt") && value instanceof String s) {
          value = List.of(s.split("\\.", 2));
        }
        return Map.of(name, value);
      }
    }
  }
}
