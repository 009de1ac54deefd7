package dev.switchboard.function.listnumbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import dev.switchboard.wiring.Platform;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListNumbersHandlerTest {
  /** The org the events/ files carry in their JWT claims. */
  static final UUID EVENT_ORG = UUID.fromString("11111111-1111-4111-8111-111111111111");

  private TestData db;
  private ListNumbersHandler handler;

  @BeforeEach
  void setUp() {
    db = new TestData(EmbeddedDatabase.shared().freshDatabase());
    handler = new ListNumbersHandler(Platform.from(Settings.of(Map.of("DATABASE_URL", db.jdbcUrl()))));
  }

  @AfterEach
  void tearDown() {
    db.close();
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
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
    db.byocCredential(EVENT_ORG, "inbound", "+14155550111", "vapi-byoc-1");

    List<Object> numbers = call(event(), 200).list("numbers");

    assertEquals(1, numbers.size());
    assertEquals(Map.of("id", "vapi-byoc-1", "phoneNumber", "+14155550111",
        "name", "Your number (inbound)", "type", "byoc", "direction", "inbound"), numbers.get(0));
  }

  @Test
  void list_showsNothingOfAnotherOrganisation() {
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
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
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
    handler = new ListNumbersHandler(Platform.from(Settings.of(Map.of(
        "DATABASE_URL", db.jdbcUrl(), "ORG_ID_CLAIM", "app_metadata.org_id"))));
    for (String form : List.of("{\"org_id\":\"" + EVENT_ORG + "\"}", "map[org_id:" + EVENT_ORG + " plan:pro]")) {
      APIGatewayV2HTTPEvent event = event();
      Map<String, String> claims = event.getRequestContext().getAuthorizer().getJwt().getClaims();
      claims.remove("org_id");
      claims.put("app_metadata", form);
      assertTrue(call(event, 200).list("numbers").isEmpty(), form);
    }
  }

  @Test
  void list_stillWorksAfterTheSnapStartHooks_andPrimingWritesNothing() {
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
    long before = db.count("SELECT count(*) FROM organizations");

    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);

    assertEquals(List.of(), call(event(), 200).list("numbers"));
    assertEquals(before, db.count("SELECT count(*) FROM organizations"));
  }

  @Test
  void list_whenTheDatabaseConnectionWasKilled_reconnects() {
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
    call(event(), 200);
    db.killOtherConnections();
    call(event(), 200);
  }
}
