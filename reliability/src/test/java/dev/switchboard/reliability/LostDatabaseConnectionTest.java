package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.CommitDroppingProxy;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request whose database connection is lost (a failover) before its commit, or at the commit so
 * that its answer never arrives, is answered 503 service_unavailable with Retry-After, never 500
 * internal_error: the database went away, our code did not fail, and sending the same request
 * again is safe. The simulation found each of these answered 500.
 */
class LostDatabaseConnectionTest {
  private final Rig rig = new Rig();
  private final CommitDroppingProxy proxy = rig.databaseProxy(); // before the handlers: they connect through it
  private final UUID org = rig.eventOrg();

  @AfterEach
  void tearDown() {
    rig.close();
  }

  private static void assertUnavailable(APIGatewayV2HTTPResponse r) {
    assertEquals(503, r.getStatusCode(), r.getBody());
    assertEquals("service_unavailable", Json.parseObject(r.getBody()).object("error").string("code"));
    assertTrue(r.getHeaders().containsKey("retry-after"), String.valueOf(r.getHeaders()));
  }

  private void assertUnavailableWhenTheCommitAnswerIsLost(String file, int success,
      Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
    proxy.dropAfterNextCommit();
    APIGatewayV2HTTPResponse r = handler.apply(Rig.event(file, org));
    assertTrue(proxy.fired(), "the commit's answer was lost");
    assertUnavailable(r);
    assertEquals(success, handler.apply(Rig.event(file, org)).getStatusCode(), "sent again, it is answered");
  }

  @Test
  void theNumberList_whoseCommitAnswerIsLost_isUnavailable() {
    var listing = rig.listing();
    assertUnavailableWhenTheCommitAnswerIsLost("events/list-numbers.json", 200, e -> listing.handleRequest(e, null));
  }

  @Test
  void theWalletStatement_whoseCommitAnswerIsLost_isUnavailable() {
    var wallet = rig.wallet();
    assertUnavailableWhenTheCommitAnswerIsLost("events/wallet-get.json", 200, e -> wallet.handleRequest(e, null));
  }

  @Test
  void aTopUp_whoseFirstCommitAnswerIsLost_isUnavailable() {
    var wallet = rig.wallet();
    assertUnavailableWhenTheCommitAnswerIsLost("events/wallet-top-up.json", 201, e -> wallet.handleRequest(e, null));
  }

  /** The release's first transaction, on a connection just opened (so not tried again), killed before its commit. */
  @Test
  void aRelease_whoseNewConnectionIsKilledBeforeItsFirstCommit_isUnavailable_andTheRetryReleases() {
    String number = rig.provisioned(org, "inbound");
    ConnectionKiller.arm(rig.world.db, "AFTER UPDATE ON managed_phone_numbers",
        "OLD.status = 'active' AND NEW.status = 'releasing'");

    APIGatewayV2HTTPResponse r = rig.releasing(SagaHooks.NONE).handleRequest(Rig.releaseEvent(org, number), null);

    assertTrue(ConnectionKiller.fired(rig.world.db));
    assertUnavailable(r);
    assertEquals("active", rig.world.db.row("SELECT status FROM managed_phone_numbers WHERE id = ?::uuid", number)
        .get("status"), "nothing was committed");
    assertEquals(200, rig.releasing(SagaHooks.NONE).handleRequest(Rig.releaseEvent(org, number), null).getStatusCode());
    Invariants.assertSettled(rig.world);
  }
}
