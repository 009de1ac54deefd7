package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** API Gateway's side of a Lambda authorizer: the simple response read, and kept per header for the TTL. */
class GatewayAuthorizerTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final List<String> invocations = new ArrayList<>();
  private final Function<String, ObjectNode> event = auth -> GatewayAuthorizer.JSON.createObjectNode().put("token", auth);

  private GatewayAuthorizer.Lambda answering(String answer) {
    return new GatewayAuthorizer.Lambda(e -> {
      invocations.add(e);
      return Optional.ofNullable(answer);
    }, Duration.ofSeconds(300), clock);
  }

  @Test
  void anAnswer_isKeptPerAuthorizationHeaderForTheTtl_refusalsToo() {
    GatewayAuthorizer.Lambda allow = answering("{\"isAuthorized\":true,\"context\":{\"orgId\":\"o\",\"n\":1}}");
    GatewayAuthorizer.Lambda deny = answering("{\"isAuthorized\":false}");

    assertEquals(Map.of("orgId", "o", "n", 1), allow.authorize("Bearer a", event).lambdaContext().orElseThrow());
    allow.authorize("Bearer a", event);
    assertEquals(403, deny.authorize("Bearer b", event).status());
    assertEquals(403, deny.authorize("Bearer b", event).status());
    assertEquals(2, invocations.size(), "one invocation per header within the TTL");

    clock.advance(Duration.ofSeconds(301));
    allow.authorize("Bearer a", event);
    allow.authorize("Bearer c", event);
    assertEquals(4, invocations.size());
  }

  @Test
  void aFailedOrMalformedAnswer_is500_andIsNotKept() {
    GatewayAuthorizer.Lambda failing = answering(null);
    GatewayAuthorizer.Lambda malformed = answering("{\"allow\":true}");

    assertEquals(500, failing.authorize("Bearer a", event).status());
    assertEquals(500, failing.authorize("Bearer a", event).status());
    assertEquals(500, malformed.authorize("Bearer a", event).status());
    assertEquals(3, invocations.size());
    assertEquals(401, failing.authorize(null, event).status(), "no identity source: the authorizer is not invoked");
    assertEquals(3, invocations.size());
  }
}
