package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** invoke, on the runner's own test template: environment precedence and every way it can fail. */
class InvokeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEMPLATE = TemplateModelTest.TEST_TEMPLATE.toString();
  private static String databaseUrl;

  @TempDir
  Path dir;

  @BeforeAll
  static void database() {
    databaseUrl = EmbeddedDatabase.shared().freshDatabase();
  }

  private Map<String, String> env(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(extra);
    env.put("DATABASE_URL", databaseUrl);
    return LocalTestSupport.processEnvironment(env);
  }

  private Path event(String json) throws Exception {
    Path file = dir.resolve("event.json");
    Files.writeString(file, json);
    return file;
  }

  @Test
  void invoke_printsTheResultOnStdout_withTheEnvironmentComposedInOrder() throws Exception {
    Path envVars = dir.resolve("env.json");
    Files.writeString(envVars, """
        {"Parameters": {"TEST_FROM_ENV_VARS": "env-vars", "TEST_FROM_PROCESS": "env-vars"},
         "EchoFunction": {"TEST_OVERRIDDEN": "env-vars-function-block"}}
        """);
    Path event = event("""
        {"show": ["TEST_GLOBAL", "TEST_OVERRIDDEN", "TEST_GREETING", "TEST_FROM_ENV_VARS", "TEST_FROM_PROCESS",
                  "TEST_RESOURCE", "DATABASE_URL", "TWILIO_API_BASE_URL", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME"]}
        """);

    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of("TEST_FROM_PROCESS", "process")),
        "invoke", "EchoFunction", "--event", event.toString(), "--template", TEMPLATE,
        "--env-vars", envVars.toString(), "--parameter-overrides", "Greeting=bonjour", "--data-dir", dir.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode result = JSON.readTree(r.stdout());
    JsonNode seen = result.path("env");
    assertEquals("from-globals", seen.path("TEST_GLOBAL").asText());
    assertEquals("env-vars-function-block", seen.path("TEST_OVERRIDDEN").asText(), "env-vars beat the template");
    assertEquals("bonjour", seen.path("TEST_GREETING").asText(), "--parameter-overrides beat defaults");
    assertEquals("env-vars", seen.path("TEST_FROM_ENV_VARS").asText());
    assertEquals("process", seen.path("TEST_FROM_PROCESS").asText(), "the process environment beats env-vars");
    assertFalse(seen.hasNonNull("TEST_RESOURCE"), "a deployed resource's attribute is left unset");
    assertEquals(databaseUrl, seen.path("DATABASE_URL").asText(), "a given DATABASE_URL is used as it is");
    assertTrue(seen.path("TWILIO_API_BASE_URL").asText().startsWith("http://127.0.0.1:"), "Twilio is sandboxed");
    assertEquals("us-east-1", seen.path("AWS_REGION").asText());
    assertEquals("EchoFunction", seen.path("AWS_LAMBDA_FUNCTION_NAME").asText());
    assertEquals("EchoFunction", result.path("functionName").asText());
    assertEquals(256, result.path("memoryMb").asInt());
    assertTrue(result.path("remainingMillis").asInt() > 5_000, "the deadline is the template's 10 s");
    assertFalse(r.stdout().contains("echo.handled"), "what the handler prints is a log: stderr only");
    assertTrue(r.stderr().contains("twilio    SANDBOX"), r.stderr());
    assertTrue(r.stderr().contains("database  REAL"), r.stderr());
  }

  @Test
  void invoke_setsLambdasLogVariables_fromTheTemplatesLoggingConfig_asLambdaDoes() throws Exception {
    Path event = event("{\"show\": [\"AWS_LAMBDA_LOG_FORMAT\", \"AWS_LAMBDA_LOG_LEVEL\"]}");

    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "EchoFunction", "--event",
        event.toString(), "--template", TEMPLATE, "--parameter-overrides", "Stage=production",
        "--data-dir", dir.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode seen = JSON.readTree(r.stdout()).path("env");
    assertEquals("JSON", seen.path("AWS_LAMBDA_LOG_FORMAT").asText());
    assertEquals("ERROR", seen.path("AWS_LAMBDA_LOG_LEVEL").asText(), "the ApplicationLogLevel, parameters applied");
  }

  @Test
  void invoke_ofAnUnknownFunction_exits2_namingTheTemplatesFunctions() throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "EchoFuncton",
        "--event", event("{}").toString(), "--template", TEMPLATE);

    assertEquals(2, r.exitCode());
    assertTrue(r.stderr().contains("no function EchoFuncton") && r.stderr().contains("EchoFunction"), r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void invoke_withAMissingEventFile_exits2_namingTheFile() {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "EchoFunction",
        "--event", "events/does-not-exist.json", "--template", TEMPLATE);

    assertEquals(2, r.exitCode());
    assertTrue(r.stderr().contains("no event file") && r.stderr().contains("does-not-exist.json"), r.stderr());
  }

  @Test
  void invoke_withAMalformedEvent_exits2_beforeRunningAnything() throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "EchoFunction",
        "--event", event("{not json").toString(), "--template", TEMPLATE);

    assertEquals(2, r.exitCode());
    assertTrue(r.stderr().contains("not valid JSON"), r.stderr());
  }

  @Test
  void invoke_whenTheHandlerThrows_exits1_withLambdasErrorDocumentOnStdout() throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "ThrowingFunction",
        "--event", event("{}").toString(), "--template", TEMPLATE, "--data-dir", dir.toString());

    assertEquals(1, r.exitCode());
    JsonNode error = JSON.readTree(r.stdout());
    assertEquals("java.lang.IllegalStateException", error.path("errorType").asText());
    assertEquals("the handler failed on purpose", error.path("errorMessage").asText());
    assertTrue(r.stderr().contains("ThrowingFunction threw java.lang.IllegalStateException"), r.stderr());
  }

  @Test
  void invoke_whenTheConstructorThrows_exits1_sayingTheFunctionCouldNotStart() throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "BrokenInitFunction",
        "--event", event("{}").toString(), "--template", TEMPLATE, "--data-dir", dir.toString());

    assertEquals(1, r.exitCode());
    assertTrue(r.stderr().contains("BrokenInitFunction could not start")
        && r.stderr().contains("TEST_REQUIRED_SETTING is not set"), r.stderr());
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // only a hang trips it
  void invoke_pastTheFunctionsTimeout_exits1_asLambdaReportsIt() throws Exception {
    // the handler never returns: the invocation ends only because the runner stops it
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "invoke", "SlowFunction",
        "--event", event("{}").toString(), "--template", TEMPLATE, "--data-dir", dir.toString());

    assertEquals(1, r.exitCode());
    assertTrue(r.stderr().contains("Task timed out after 1 seconds"), r.stderr());
  }

  @Test
  void anUnknownOption_exits2_withTheUsage() {
    LocalTestSupport.Result r = LocalTestSupport.run(env(Map.of()), "start-api", "--prot", "3000");

    assertEquals(2, r.exitCode());
    assertTrue(r.stderr().contains("unknown option --prot") && r.stderr().contains("usage:"), r.stderr());
  }

  @Test
  void invoke_withEventDash_readsTheEventFromStdin() throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.runWithInput("{\"show\": [], \"from\": \"stdin\"}",
        env(Map.of()), "invoke", "EchoFunction", "--event", "-", "--template", TEMPLATE, "--data-dir", dir.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("stdin", JSON.readTree(r.stdout()).path("event").path("from").asText());
  }
}
