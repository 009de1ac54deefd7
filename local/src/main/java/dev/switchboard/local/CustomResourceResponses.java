package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.fake.FakeCloudFormation;
import java.io.IOException;
import java.io.PrintStream;
import dev.switchboard.testing.fake.FakeSecretsManager;
import java.util.List;
import java.util.Optional;

/**
 * A custom resource answers CloudFormation by a PUT to the event's pre-signed
 * {@code ResponseURL}, not by its return value. For a custom resource event, invoke points
 * ResponseURL at the test kit's fake receiver instead, then shows the answer CloudFormation
 * would have got: SUCCESS exits 0; FAILED, or no answer at all (a stack would hang), exits 1.
 * For any other event this does nothing.
 */
final class CustomResourceResponses implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String event;
  private final FakeCloudFormation receiver;
  private final PrintStream err;

  private CustomResourceResponses(String event, FakeCloudFormation receiver, PrintStream err) {
    this.event = event;
    this.receiver = receiver;
    this.err = err;
  }

  static CustomResourceResponses forEvent(String eventJson, Optional<FakeSecretsManager> secrets, PrintStream err) {
    JsonNode event;
    try {
      event = JSON.readTree(eventJson);
    } catch (IOException e) {
      return new CustomResourceResponses(eventJson, null, err);
    }
    if (event == null || !event.isObject() || !event.has("ResponseURL") || !event.has("RequestType")) {
      return new CustomResourceResponses(eventJson, null, err);
    }
    FakeCloudFormation receiver = new FakeCloudFormation();
    ((ObjectNode) event).put("ResponseURL", receiver.responseUrl());
    err.println("  cfn       SANDBOX   the answer to CloudFormation (the event's ResponseURL) is caught and shown");
    JsonNode secretId = event.path("ResourceProperties").path("SecretId");
    if (secretId.isTextual() && secrets.isPresent()) {
      // the stack's secret resource exists before the custom resource runs: so it does here
      secrets.get().create(secretId.asText());
    }
    return new CustomResourceResponses(event.toString(), receiver, err);
  }

  String event() {
    return event;
  }

  /** Prints what CloudFormation received; false when it was FAILED or nothing. True for other events. */
  boolean report(String functionId) {
    if (receiver == null) {
      return true;
    }
    List<String> answers = receiver.rawAnswers();
    if (answers.isEmpty()) {
      err.println("error: " + functionId + " sent CloudFormation no answer: a deployment would wait for it until it times out");
      return false;
    }
    String answer = answers.get(answers.size() - 1);
    err.println("CloudFormation received: " + answer);
    try {
      String status = JSON.readTree(answer).path("Status").asText();
      if (!"SUCCESS".equals(status)) {
        err.println("error: " + functionId + " answered CloudFormation " + status + ": "
            + JSON.readTree(answer).path("Reason").asText());
        return false;
      }
      return true;
    } catch (IOException e) {
      err.println("error: the answer to CloudFormation is not JSON");
      return false;
    }
  }

  @Override
  public void close() {
    if (receiver != null) {
      receiver.close();
    }
  }
}
