package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeSecretsManager;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * A custom resource answers CloudFormation by a PUT to the event's pre-signed
 * {@code ResponseURL}, not by its return value. As {@code sam local invoke} does, the event
 * reaches the function unchanged and the function answers the URL it names: a receiver of
 * your own on a loopback {@code http://} address, or a real pre-signed URL of a stack that is
 * waiting. Only the sample events' placeholder URL (its signature is the word
 * {@code example}, which no real pre-signed URL carries, and nothing answers at its address)
 * is pointed at a local receiver instead.
 *
 * <p>Either way the answer is shown: the receiver's copy, or what the handler returned
 * (Powertools returns the answer it sent). SUCCESS exits 0; FAILED, or no answer at all (a
 * stack would hang), exits 1. For any other event this does nothing.
 */
final class CustomResourceResponses implements AutoCloseable {
  /** The query parameter that marks the samples' ResponseURL (events/cfn-*.json). */
  static final String PLACEHOLDER_SIGNATURE = "X-Amz-Signature=example";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String event;
  private final FakeCloudFormation receiver;
  private final String passedThroughTo;
  private final PrintStream err;

  private CustomResourceResponses(String event, FakeCloudFormation receiver, String passedThroughTo, PrintStream err) {
    this.event = event;
    this.receiver = receiver;
    this.passedThroughTo = passedThroughTo;
    this.err = err;
  }

  static CustomResourceResponses forEvent(String eventJson, Optional<FakeSecretsManager> secrets, PrintStream err) {
    JsonNode event;
    try {
      event = JSON.readTree(eventJson);
    } catch (IOException e) {
      return new CustomResourceResponses(eventJson, null, null, err);
    }
    if (event == null || !event.isObject() || !event.has("ResponseURL") || !event.has("RequestType")) {
      return new CustomResourceResponses(eventJson, null, null, err);
    }
    JsonNode secretId = event.path("ResourceProperties").path("SecretId");
    if (secretId.isTextual() && secrets.isPresent()) {
      // the stack's secret resource exists before the custom resource runs: so it does here
      secrets.get().create(secretId.asText());
    }
    String responseUrl = event.path("ResponseURL").asText();
    if (!responseUrl.contains(PLACEHOLDER_SIGNATURE)) {
      String target = withoutQuery(responseUrl);
      err.println("  cfn       REAL      the event goes to the function unchanged; it answers its ResponseURL " + target);
      return new CustomResourceResponses(eventJson, null, target, err);
    }
    FakeCloudFormation receiver = new FakeCloudFormation();
    ((ObjectNode) event).put("ResponseURL", receiver.responseUrl());
    err.println("  cfn       SANDBOX   the sample's placeholder ResponseURL (" + PLACEHOLDER_SIGNATURE
        + ") is pointed at a local receiver, and its answer shown");
    return new CustomResourceResponses(event.toString(), receiver, null, err);
  }

  /**
   * A sample is another stack's event (its StackId, its properties), and the custom resource
   * functions accept only their own stack's. So for a sample, and only for one, the function is
   * told the sample's stack is its own: {@code STACK_ID}, and the registrar's
   * {@code STRIPE_WEBHOOK_URL}, {@code STRIPE_WEBHOOK_SIGNING_SECRET_ARN} and
   * {@code STRIPE_WEBHOOK_EVENTS} from its properties, unless you gave them. Any other event
   * meets the function as the template (and your settings) configure it.
   */
  static RunOptions withSampleStack(String eventJson, RunOptions options, PrintStream err) {
    JsonNode event;
    try {
      event = JSON.readTree(eventJson);
    } catch (IOException e) {
      return options;
    }
    if (event == null || !event.isObject() || !event.has("RequestType")
        || !event.path("ResponseURL").asText().contains(PLACEHOLDER_SIGNATURE)) {
      return options;
    }
    java.util.Map<String, String> stack = new java.util.LinkedHashMap<>();
    stack.put("STACK_ID", event.path("StackId").asText());
    JsonNode properties = event.path("ResourceProperties");
    putText(stack, "STRIPE_WEBHOOK_URL", properties.path("Url"));
    putText(stack, "STRIPE_WEBHOOK_SIGNING_SECRET_ARN", properties.path("SecretId"));
    if (properties.path("EnabledEvents").isArray()) {
      List<String> events = new java.util.ArrayList<>();
      properties.path("EnabledEvents").forEach(e -> events.add(e.asText()));
      stack.put("STRIPE_WEBHOOK_EVENTS", String.join(",", events));
    }
    stack.keySet().removeIf(name -> options.processEnvironment().containsKey(name));
    if (stack.isEmpty()) {
      return options;
    }
    err.println("  cfn       SANDBOX   the sample's stack is the function's own for this run ("
        + String.join(", ", stack.keySet()) + " from the sample)");
    return options.withEnvironment(stack);
  }

  private static void putText(java.util.Map<String, String> into, String name, JsonNode value) {
    if (value.isTextual()) {
      into.put(name, value.asText());
    }
  }

  String event() {
    return event;
  }

  /**
   * Prints what CloudFormation received (or was sent); false when that was FAILED or nothing.
   * {@code handlerResult} is the handler's return value. True for other events.
   */
  boolean report(String functionId, String handlerResult) {
    if (passedThroughTo != null) {
      return reportSent(functionId, handlerResult);
    }
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
      JsonNode parsed = JSON.readTree(answer);
      return succeeded(functionId, parsed.path("Status").asText(), parsed.path("Reason").asText());
    } catch (IOException e) {
      err.println("error: the answer to CloudFormation is not JSON");
      return false;
    }
  }

  /** Powertools' Response as the runtime serialises it: {@code status}, {@code physicalResourceId}, {@code reason}. */
  private boolean reportSent(String functionId, String handlerResult) {
    err.println(functionId + " answered " + passedThroughTo + " with: " + handlerResult
        + " (if the PUT itself failed, its log says custom_resource.answer_not_sent)");
    try {
      JsonNode sent = JSON.readTree(handlerResult);
      return succeeded(functionId, sent.path("status").asText(), sent.path("reason").asText());
    } catch (IOException e) {
      err.println("error: " + functionId + " returned something that is not JSON");
      return false;
    }
  }

  private boolean succeeded(String functionId, String status, String reason) {
    if (!"SUCCESS".equals(status)) {
      err.println("error: " + functionId + " answered CloudFormation " + status + ": " + reason);
      return false;
    }
    return true;
  }

  /** The address without the pre-signed query: its signature is a credential of sorts. */
  private static String withoutQuery(String url) {
    try {
      URI uri = URI.create(url);
      return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    } catch (IllegalArgumentException e) {
      return "(not a URL)";
    }
  }

  @Override
  public void close() {
    if (receiver != null) {
      receiver.close();
    }
  }
}
