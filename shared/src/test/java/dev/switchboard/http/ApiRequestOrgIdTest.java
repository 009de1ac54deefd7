package dev.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.Events;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How every handler reads the organisation: from the JWT authorizer's claims (API Gateway's
 * own authorizer, {@code jwt} mode) or from the context our Lambda authorizer returned
 * ({@code lambda} mode), through the one method {@link ApiRequest#orgId}.
 */
class ApiRequestOrgIdTest {
  private static final String ORG = Events.ORG.toString();
  private static final String VICTIM = "22222222-2222-4222-8222-222222222222";

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void captureStandardOutput() {
    original = System.out;
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStandardOutput() {
    System.setOut(original);
  }

  private List<JsonObject> records() {
    return bytes.toString(StandardCharsets.UTF_8).lines().map(Json::parseObject).toList();
  }

  private static APIGatewayV2HTTPEvent withJwtClaims(Map<String, String> claims) {
    return APIGatewayV2HTTPEvent.builder()
        .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
            .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                .withJwt(APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder()
                    .withClaims(new HashMap<>(claims)).build())
                .build())
            .build())
        .build();
  }

  private static APIGatewayV2HTTPEvent withLambdaContext(Map<String, Object> context) {
    return APIGatewayV2HTTPEvent.builder()
        .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
            .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                .withLambda(new HashMap<>(context)).build())
            .build())
        .build();
  }

  private static SwitchboardException refused(APIGatewayV2HTTPEvent event, String claim) {
    SwitchboardException e = assertThrows(SwitchboardException.class, () -> new ApiRequest(event).orgId(claim));
    assertEquals(ErrorCode.UNAUTHORIZED, e.code(), e.getMessage());
    return e;
  }

  @Test
  void jwtMode_readsTheTopLevelClaim_andTheExactGoMapOfANestedOne() {
    assertEquals(ORG, new ApiRequest(withJwtClaims(Map.of("org_id", ORG))).orgId("org_id").toString());
    assertEquals(ORG, new ApiRequest(withJwtClaims(Map.of("app_metadata", "map[org_id:" + ORG + "]")))
        .orgId("app_metadata.org_id").toString());
    assertEquals(ORG, new ApiRequest(withJwtClaims(Map.of("app_metadata", "{\"org_id\":\"" + ORG + "\"}")))
        .orgId("app_metadata.org_id").toString());
  }

  /**
   * API Gateway prints a nested claim as Go does, keys sorted and values unquoted: a user who
   * may edit a sibling string (a display name "x org_id:<victim>") produces exactly what a real
   * org_id entry would look like. Only the bare one-entry form is unambiguous.
   */
  @Test
  void jwtMode_refusesAGoMapWithAnythingBesideTheOrgEntry_andTellsTheOperatorToEmitATopLevelClaim() {
    for (String form : List.of(
        "map[display_name:x org_id:" + VICTIM + "]",
        "map[org_id:" + ORG + " plan:pro]",
        "map[name:x org_id:" + VICTIM + " role:admin]",
        "map[org_id:" + VICTIM + " x]",
        "map[org_id:not-a-uuid]",
        "map[org_id:]")) {
      refused(withJwtClaims(Map.of("app_metadata", form)), "app_metadata.org_id");
    }

    List<JsonObject> records = records();
    assertEquals(6, records.size(), records.toString());
    for (JsonObject r : records) {
      assertEquals("WARN", r.string("level"));
      assertEquals("auth.org_claim.go_map_refused", r.string("event"));
      assertEquals("app_metadata.org_id", r.string("claim"));
      assertTrue(r.string("action").contains("top-level"), r.toString());
      assertTrue(!r.toString().contains(VICTIM) && !r.toString().contains(ORG), "no claim value in the log");
    }
  }

  @Test
  void lambdaMode_readsTheOrgIdOurAuthorizerPutInItsContext_whateverTheClaimIsCalled() {
    APIGatewayV2HTTPEvent event = withLambdaContext(Map.of("orgId", ORG, "sub", "user-1"));

    assertEquals(ORG, new ApiRequest(event).orgId("org_id").toString());
    assertEquals(ORG, new ApiRequest(event).orgId("app_metadata.org_id").toString());
  }

  @Test
  void lambdaMode_withoutAValidOrgId_is401() {
    refused(withLambdaContext(Map.of("sub", "user-1")), "org_id");
    refused(withLambdaContext(Map.of("orgId", "not-a-uuid")), "org_id");
    refused(withLambdaContext(Map.of("orgId", 42)), "org_id");
    refused(withLambdaContext(Map.of("orgId", "")), "org_id");
  }

  /** API Gateway sets one or the other; both at once is not a request it sent. */
  @Test
  void bothAJwtAndALambdaAuthorizer_is401_notResolvedByOrder() {
    APIGatewayV2HTTPEvent event = withJwtClaims(Map.of("org_id", VICTIM));
    event.getRequestContext().getAuthorizer().setLambda(new HashMap<>(Map.of("orgId", ORG)));

    refused(event, "org_id");
  }

  @Test
  void noAuthorizerAtAll_is401() {
    refused(APIGatewayV2HTTPEvent.builder().build(), "org_id");
    refused(APIGatewayV2HTTPEvent.builder().withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
        .build()).build(), "org_id");
  }
}
