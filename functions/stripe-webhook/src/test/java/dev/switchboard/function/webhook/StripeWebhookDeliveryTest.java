package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** However often and however concurrently Stripe delivers a top-up, it is credited once. */
class StripeWebhookDeliveryTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;
  private String eventId;
  private String body;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
    eventId = StripeEvents.id("evt");
    body = f.stripe.checkoutSessionCompleted(eventId, StripeEvents.topUp(org, 5000));
  }

  @Test
  void topUp_deliveredOnce_isCreditedAndRecordedProcessed() {
    assertEquals(Map.of("received", true), f.send(f.delivery(body), 200).asMap());

    f.assertWallet(org, 5000);
    Map<String, Object> row = f.eventRow(eventId);
    assertEquals("processed", row.get("status"));
    assertEquals(1, row.get("attempts"));
    assertEquals(org, row.get("org_id"));
    assertNotNull(row.get("processed_at"));
    assertEquals(1, f.db.count("SELECT count(*) FROM credit_transactions WHERE stripe_event_id = ?", eventId));
  }

  @Test
  void snapStartHooks_recordNothing_andTheWebhookStillCreditsAfterRestore() {
    f.handler.snapStart().beforeCheckpoint(null);
    f.handler.snapStart().afterRestore(null);
    assertEquals(0, f.db.count("SELECT count(*) FROM stripe_webhook_events"), "priming records no event");

    f.send(f.delivery(body), 200);
    f.assertWallet(org, 5000);
  }

  @Test
  void topUp_deliveredTwice_isCreditedOnce_andTheSecondIsADuplicate() {
    f.send(f.delivery(body), 200);
    assertEquals(Map.of("received", true, "duplicate", true), f.send(f.delivery(body), 200).asMap());

    f.assertWallet(org, 5000);
    assertEquals(1, f.eventRow(eventId).get("attempts"));
  }

  @Test
  void topUp_delivered16TimesConcurrently_isCreditedExactlyOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<APIGatewayV2HTTPResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      var event = f.delivery(body);
      answers.add(pool.submit(() -> {
        start.await();
        return f.send(event);
      }));
    }
    start.countDown();
    int applied = 0;
    for (Future<APIGatewayV2HTTPResponse> answer : answers) {
      APIGatewayV2HTTPResponse response = answer.get(30, TimeUnit.SECONDS);
      assertEquals(200, response.getStatusCode(), response.getBody());
      if (!Json.parseObject(response.getBody()).has("duplicate")) {
        applied++;
      }
    }
    pool.shutdown();

    assertEquals(1, applied);
    f.assertWallet(org, 5000);
    assertEquals("processed", f.eventRow(eventId).get("status"));
  }

  @Test
  void sessionAndPaymentIntentEvents_arrivingTogether_creditThePaymentOnce() throws Exception {
    StripeEvents.TopUp payment = StripeEvents.topUp(org, 5000);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<APIGatewayV2HTTPResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String event = i % 2 == 0
          ? f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), payment)
          : f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"), payment);
      var delivery = f.delivery(event);
      answers.add(pool.submit(() -> {
        start.await();
        return f.send(delivery);
      }));
    }
    start.countDown();
    for (Future<APIGatewayV2HTTPResponse> answer : answers) {
      assertEquals(200, answer.get(30, TimeUnit.SECONDS).getStatusCode());
    }
    pool.shutdown();

    f.assertWallet(org, 5000);
    assertEquals(8, f.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'processed'"));
  }

  @Test
  void aDuplicateArrivingWhileTheFirstIsStillApplying_waitsAndIsAcknowledgedAsDuplicate() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection blocker = DriverManager.getConnection(f.db.jdbcUrl())) {
      // hold the org's row lock: the first delivery stops inside its transaction, mid-apply
      blocker.setAutoCommit(false);
      try (PreparedStatement ps = blocker.prepareStatement("SELECT 1 FROM organizations WHERE id = ? FOR UPDATE")) {
        ps.setObject(1, org);
        ps.executeQuery().close();
      }
      Future<APIGatewayV2HTTPResponse> first = pool.submit(() -> f.send(f.delivery(body)));
      f.db.awaitSessionsWaitingForALock(1);
      Future<APIGatewayV2HTTPResponse> second = pool.submit(() -> f.send(f.delivery(body)));
      f.db.awaitSessionsWaitingForALock(2);
      assertFalse(second.isDone(), "the second delivery waits for the first");
      blocker.commit();

      assertEquals(Map.of("received", true), Json.parseObject(first.get(30, TimeUnit.SECONDS).getBody()).asMap());
      assertEquals(Map.of("received", true, "duplicate", true),
          Json.parseObject(second.get(30, TimeUnit.SECONDS).getBody()).asMap());
    } finally {
      pool.shutdown();
    }
    f.assertWallet(org, 5000);
  }

  @Test
  void whenApplyingFails_theAnswerIs500_theEventIsRecordedFailed_andStripesRetryCreditsOnce() throws Exception {
    // a failure injected inside the applying transaction, after the event row was written
    f.db.inTransaction("""
        CREATE FUNCTION fail_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected ledger failure'; END; $$
        """, "CREATE TRIGGER fail_ledger BEFORE INSERT ON credit_transactions "
        + "FOR EACH ROW EXECUTE FUNCTION fail_ledger()");

    assertEquals("event_not_applied", f.errorCode(f.delivery(body), 500));

    Map<String, Object> failed = f.eventRow(eventId);
    assertEquals("failed", failed.get("status"));
    assertEquals(1, failed.get("attempts"));
    String error = (String) failed.get("error");
    assertTrue(error.contains("P0001"), error);
    assertFalse(error.contains("whsec_"), error);
    f.assertWallet(org, 0);

    assertEquals("event_not_applied", f.errorCode(f.delivery(body), 500));
    assertEquals(2, f.eventRow(eventId).get("attempts"));

    f.db.update("DROP TRIGGER fail_ledger ON credit_transactions");
    assertEquals(Map.of("received", true), f.send(f.delivery(body), 200).asMap());
    assertEquals(Map.of("received", true, "duplicate", true), f.send(f.delivery(body), 200).asMap());

    Map<String, Object> processed = f.eventRow(eventId);
    assertEquals("processed", processed.get("status"));
    assertEquals(3, processed.get("attempts"));
    assertEquals(null, processed.get("error"));
    f.assertWallet(org, 5000);
  }

  @Test
  void whenTheDatabaseConnectionWasKilled_theNextDeliveryReconnects() {
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 2500))), 200);
    f.db.killOtherConnections();
    f.send(f.delivery(body), 200);
    f.assertWallet(org, 7500);
  }
}
