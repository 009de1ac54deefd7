package dev.switchboard.testing.fake;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The receiving end of a custom resource's answer: CloudFormation hands the function a
 * pre-signed S3 URL (the event's {@code ResponseURL}) and waits for one JSON document PUT
 * there. This fake serves such URLs and keeps every answer it received, raw and parsed, so a
 * test can check the status, reason, physical id and data, and that no secret is in it.
 */
public final class FakeCloudFormation extends FakeHttpServer {
  public static final String RESPOND = "respond";

  public FakeCloudFormation() {
    route(RESPOND, "PUT", "/cloudformation-custom-resource-response/{key}", request ->
        // S3 answers a PUT with 200 and an empty body
        new FakeResponse(200, null, "", Map.of("ETag", "\"" + UUID.randomUUID() + "\"")));
    start();
  }

  /** A fresh pre-signed-looking URL to put into an event's ResponseURL. */
  public String responseUrl() {
    return baseUrl() + "/cloudformation-custom-resource-response/" + UUID.randomUUID()
        + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261127T104000Z&X-Amz-Expires=7200"
        + "&X-Amz-SignedHeaders=host&X-Amz-Signature=0000fake";
  }

  /** Every answer received, in order, as the raw bodies. */
  public List<String> rawAnswers() {
    return journal().stream()
        .filter(r -> RESPOND.equals(r.route()) && r.status() == 200)
        .map(r -> r.request().body())
        .toList();
  }

  /** Every answer received, parsed. */
  public List<Map<String, Object>> answers() {
    return rawAnswers().stream().map(FakeHttpServer::parseJson).toList();
  }

  /** The one answer received; fails when there was none or more than one. */
  public Map<String, Object> onlyAnswer() {
    List<Map<String, Object>> all = answers();
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one answer to CloudFormation, got " + all.size());
    }
    return all.get(0);
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    // S3's XML error document
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
        + (code == null ? "InternalError" : code) + "</Code><Message>"
        + (message == null ? "We encountered an internal error. Please try again." : message)
        + "</Message></Error>";
    return new FakeResponse(status, "application/xml", body, Map.of());
  }
}
