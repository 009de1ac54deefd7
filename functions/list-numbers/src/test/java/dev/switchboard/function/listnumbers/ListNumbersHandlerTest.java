package dev.switchboard.function.listnumbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.wiring.Platform;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ListNumbersHandlerTest {
  /** The org the events/ files carry in their JWT claims. */
  static final UUID EVENT_ORG = Events.ORG;

  @RegisterExtension final TestWorld world = TestWorld.database();
  private TestData db;
  private ListNumbersHandler handler;

  @BeforeEach
  void setUp() {
    db = world.db();
    handler = new ListNumbersHandler(Platform.from(Settings.of(world.settings())));
  }

  private static APIGatewayV2HTTPEvent event() {
    return EventLoader.loadApiGatewayHttpEvent("events/list-numbers.json");
  }

  private JsonObject call(APIGatewayV2HTTPEvent event, int expectedStatus) {
    var response = handler.handleRequest(event, null);
    assertEquals(expectedStatus, response.getStatusCode(), response.getBody());
    assertEquals("application/json", response.getHeaders().get("content-type"));
    return Json.parseObject(response.getBody());
  }

  @Test
  void list_readsByocNumbersFromMetadata_evenWhenTheirConfigCannotBeDecrypted() {
    db.eventOrg();
    db.byocCredential(EVENT_ORG, "inbound", "+14155550111", "vapi-byoc-1");

    List<Object> numbers = call(event(), 200).list("numbers");

    assertEquals(1, numbers.size());
    assertEquals(Map.of("id", "vapi-byoc-1", "phoneNumber", "+14155550111",
        "name", "Your number (inbound)", "type", "byoc", "direction", "inbound"), numbers.get(0));
  }

  @Test
  void list_showsNothingOfAnotherOrganisation() {
    db.eventOrg();
    UUID other = db.organization("Other");
    db.byocCredential(other, "inbound", "+14155550112", "vapi-other");

    assertEquals(List.of(), call(event(), 200).list("numbers"));
  }

  @Test
  void list_unknownOrg_is404OrgNotFound() {
    JsonObject error = call(event(), 404).object("error");
    assertEquals("org_not_found", error.string("code"));
  }

  @Test
  void list_withoutOrgClaim_is401() {
    APIGatewayV2HTTPEvent event = event();
    event.getRequestContext().getAuthorizer().getJwt().getClaims().remove("org_id");
    assertEquals("unauthorized", call(event, 401).object("error").string("code"));
  }

  @Test
  void list_readsANestedOrgClaim_asApiGatewayPassesIt() {
    db.eventOrg();
    handler = new ListNumbersHandler(Platform.from(Settings.of(Map.of(
        "DATABASE_URL", db.jdbcUrl(), "ORG_ID_CLAIM", "app_metadata.org_id"))));
    for (String form : List.of("{\"org_id\":\"" + EVENT_ORG + "\"}", "map[org_id:" + EVENT_ORG + "]")) {
      APIGatewayV2HTTPEvent event = event();
      Map<String, String> claims = event.getRequestContext().getAuthorizer().getJwt().getClaims();
      claims.remove("org_id");
      claims.put("app_metadata", form);
      assertTrue(call(event, 200).list("numbers").isEmpty(), form);
    }
  }

  /**
   * A forged org claim: a user who can edit a sibling string of the org claim (a display name in the
   * same claim object) writes "x org_id:<victim>". In Go's map rendering the key then occurs
   * twice; the first one used to win, so the user acted as the victim.
   */
  @Test
  void list_refusesAGoMapClaimWithTheOrgKeyTwice_soASiblingValueCannotNameAnotherOrg() {
    UUID attacker = db.organization("Attacker");
    db.org().id(EVENT_ORG).named("Victim").create();
    db.byocCredential(EVENT_ORG, "inbound", "+14155550111", "vapi-victim");
    handler = nestedClaimHandler();
    // Go prints the keys sorted: "display_name" before "org_id", so the forged one comes first
    APIGatewayV2HTTPEvent event = withParentClaim(
        "map[display_name:x org_id:" + EVENT_ORG + " org_id:" + attacker + " plan:pro]");

    var response = handler.handleRequest(event, null);

    assertEquals(401, response.getStatusCode(), response.getBody());
    assertEquals("unauthorized", Json.parseObject(response.getBody()).object("error").string("code"));
    assertTrue(!response.getBody().contains("+14155550111"), response.getBody());
  }

  @Test
  void list_refusesAGoMapOrgValueFollowedByAWordWithoutAKey_aValueThatHeldASpace() {
    db.eventOrg();
    handler = nestedClaimHandler();

    for (String form : List.of("map[org_id:" + EVENT_ORG + " trailing]",
        "map[org_id:" + EVENT_ORG + ":x plan:pro]", "map[org_id:[" + EVENT_ORG + "]]",
        // beside any other entry the Go form can be forged by a sibling value: refused too
        "map[org_id:" + EVENT_ORG + " plan:pro]", "map[display_name:x org_id:" + EVENT_ORG + "]")) {
      assertEquals(401, handler.handleRequest(withParentClaim(form), null).getStatusCode(), form);
    }
  }

  /** A top-level claim literally named "app_metadata.org_id" used to win over the nested one. */
  @Test
  void list_refusesALiteralDottedClaimBesideItsParent_andReadsItAlone() {
    UUID other = db.organization("Other");
    db.eventOrg();
    handler = nestedClaimHandler();

    APIGatewayV2HTTPEvent both = withParentClaim("{\"org_id\":\"" + EVENT_ORG + "\"}");
    both.getRequestContext().getAuthorizer().getJwt().getClaims().put("app_metadata.org_id", other.toString());
    assertEquals(401, handler.handleRequest(both, null).getStatusCode());

    APIGatewayV2HTTPEvent literalOnly = event();
    Map<String, String> claims = literalOnly.getRequestContext().getAuthorizer().getJwt().getClaims();
    claims.remove("org_id");
    claims.put("app_metadata.org_id", EVENT_ORG.toString());
    assertEquals(200, handler.handleRequest(literalOnly, null).getStatusCode());
  }

  /** The lambda authorizer mode: the org id our authorizer verified, in its context. */
  @Test
  void list_readsTheOrgOurLambdaAuthorizerVerified_fromTheLambdaModeSample() {
    db.eventOrg();
    db.byocCredential(EVENT_ORG, "inbound", "+14155550111", "vapi-byoc-1");
    handler = nestedClaimHandler(); // the claim's name is the authorizer's business in this mode

    List<Object> numbers = call(EventLoader.loadApiGatewayHttpEvent("events/list-numbers-lambda-authorizer.json"), 200)
        .list("numbers");

    assertEquals(1, numbers.size());
  }

  private ListNumbersHandler nestedClaimHandler() {
    return new ListNumbersHandler(Platform.from(Settings.of(Map.of(
        "DATABASE_URL", db.jdbcUrl(), "ORG_ID_CLAIM", "app_metadata.org_id"))));
  }

  private static APIGatewayV2HTTPEvent withParentClaim(String value) {
    APIGatewayV2HTTPEvent event = event();
    Map<String, String> claims = event.getRequestContext().getAuthorizer().getJwt().getClaims();
    claims.remove("org_id");
    claims.put("app_metadata", value);
    return event;
  }

  @Test
  void list_stillWorksAfterTheSnapStartHooks_andPrimingWritesNothing() {
    db.eventOrg();
    long before = db.count("SELECT count(*) FROM organizations");

    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);

    assertEquals(List.of(), call(event(), 200).list("numbers"));
    assertEquals(before, db.count("SELECT count(*) FROM organizations"));
  }

  @Test
  void list_whenTheDatabaseConnectionWasKilled_reconnects() {
    db.eventOrg();
    call(event(), 200);
    db.killOtherConnections();
    call(event(), 200);
  }
}
