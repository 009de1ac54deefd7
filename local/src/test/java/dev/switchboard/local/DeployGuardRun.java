package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.fake.FakeCloudFormation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * DeployGuard's own code, the template's inline Python, run as Lambda would run it (python3,
 * index.handler) on a CloudFormation event, answering the FakeCloudFormation it is given. The
 * loopback ResponseURL is allowed by the variable local runs set (CUSTOM_RESOURCE_LOOPBACK_RESPONSE).
 */
final class DeployGuardRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DeployGuardRun() {}

  /**
   * The guard's properties as CloudFormation resolves them for these parameter values (Refs
   * replaced, lists joined), and its one answer.
   */
  static Map<String, Object> answer(SamTransform.Transformed stack, Map<String, String> parameters, String requestType,
                                    FakeCloudFormation cloudFormation) {
    send(stack, parameters, requestType, cloudFormation, true);
    return cloudFormation.onlyAnswer();
  }

  /** The same event; without the local runs' loopback setting the guard must not answer the fake at all. */
  static void send(SamTransform.Transformed stack, Map<String, String> parameters, String requestType,
                   FakeCloudFormation cloudFormation, boolean loopbackAllowed) {
    Map<String, Object> properties = resolvedProperties(stack, parameters);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("RequestType", requestType);
    event.put("ServiceToken", "arn:aws:lambda:eu-west-2:123456789012:function:guard");
    event.put("ResponseURL", cloudFormation.responseUrl());
    event.put("StackId", "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard/9c0ffee0-cf00-11f0-8000-0a1b2c3d4e5f");
    event.put("RequestId", UUID.randomUUID().toString());
    event.put("LogicalResourceId", "DeployGuard");
    event.put("ResourceType", "Custom::DeployGuard");
    event.put("ResourceProperties", properties);
    if (!"Create".equals(requestType)) {
      event.put("PhysicalResourceId", "deploy-guard");
    }
    cloudFormation.clearJournal();
    run(stack.properties("DeployGuardFunction").path("Code").path("ZipFile").asText(), event, loopbackAllowed);
  }

  static Map<String, Object> resolvedProperties(SamTransform.Transformed stack, Map<String, String> parameters) {
    Map<String, Object> values = new LinkedHashMap<>();
    stack.template().path("Parameters").properties().forEach(p -> {
      String value = parameters.containsKey(p.getKey()) ? parameters.get(p.getKey()) : p.getValue().path("Default").asText(null);
      if (value != null) {
        values.put(p.getKey(), "CommaDelimitedList".equals(p.getValue().path("Type").asText())
            ? List.of(value.split(",", -1)).stream().map(String::strip).toList() : value);
      }
    });
    Evaluator evaluator = new Evaluator(values);
    Map<String, Object> resolved = new LinkedHashMap<>();
    Map<String, Object> parameterValues = new LinkedHashMap<>();
    stack.properties("DeployGuard").path("Parameters").properties()
        .forEach(p -> parameterValues.put(p.getKey(), evaluator.string(p.getValue())));
    resolved.put("ServiceToken", "arn:aws:lambda:eu-west-2:123456789012:function:guard");
    resolved.put("ServiceTimeout", stack.properties("DeployGuard").path("ServiceTimeout").asText());
    resolved.put("Fingerprint", evaluator.string(stack.properties("DeployGuard").path("Fingerprint")));
    resolved.put("Parameters", parameterValues);
    return resolved;
  }

  private static void run(String code, Map<String, Object> event, boolean loopbackAllowed) {
    try {
      Path dir = Files.createTempDirectory("deploy-guard");
      Files.writeString(dir.resolve("index.py"), code);
      Path eventFile = dir.resolve("event.json");
      Files.writeString(eventFile, JSON.writeValueAsString(event));
      ProcessBuilder builder = new ProcessBuilder("python3", "-c",
          "import json, sys, index; index.handler(json.load(open(sys.argv[1])), None)", eventFile.toString())
          .directory(dir.toFile());
      if (loopbackAllowed) {
        builder.environment().put("CUSTOM_RESOURCE_LOOPBACK_RESPONSE", "allow");
      }
      builder.environment().put("AWS_REGION", "eu-west-2");
      Process process = builder.start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, process.exitValue(), out + err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
