package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapiNumber;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The guarantees every scenario ends with, read from the database and from the fakes' own
 * state (what the providers really hold), never from what the functions answered.
 */
final class Invariants {
  private Invariants() {}

  /** All of them, after the retries and the reconcile run. */
  static void assertSettled(ProviderWorld world) {
    world.assertInvariant9();
    assertWalletsEqualLedgers(world);
    assertProvidersHoldExactlyTheActiveNumbers(world);
    assertEquals(0, world.db.count(
            "SELECT count(*) FROM managed_phone_numbers WHERE status IN ('provisioning', 'releasing') OR cleanup_pending"),
        "a saga is still unfinished after the reconcile run: "
            + world.db.rows("SELECT status, cleanup_pending, failed_step, last_error FROM managed_phone_numbers"));
    assertNoEventProcessedWithoutItsEffect(world);
    assertTakeBacksWithinTheirCredits(world);
  }

  /** Every organisation's balance is its ledger's sum. */
  static void assertWalletsEqualLedgers(ProviderWorld world) {
    long mismatches = world.db.count("""
        SELECT count(*) FROM organizations o
         WHERE o.wallet_balance_pence <> (SELECT coalesce(sum(CASE direction WHEN 'credit' THEN amount_pence
                                                                        ELSE -amount_pence END), 0)
                                            FROM credit_transactions c WHERE c.org_id = o.id)
        """);
    assertEquals(0, mismatches, "wallets that differ from their ledger");
  }

  /**
   * What Twilio and Vapi hold is exactly what the active records say: no number bought and
   * forgotten (billed every month), no active record pointing at nothing.
   */
  static void assertProvidersHoldExactlyTheActiveNumbers(ProviderWorld world) {
    Set<String> activeTwilio = column(world, "twilio_phone_sid");
    Set<String> activeVapi = column(world, "vapi_phone_id");
    Set<String> heldTwilio = world.twilio.heldNumbers().stream().map(FakeTwilio.HeldNumber::sid)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> heldVapi = world.vapi.numbers().stream().map(FakeVapiNumber::id)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(activeTwilio, heldTwilio, "numbers held at Twilio vs active records");
    assertEquals(activeVapi, heldVapi, "numbers imported at Vapi vs active records");
  }

  /**
   * A processed top-up event (the session's, or its PaymentIntent's: whichever came second
   * credits nothing more) has its payment's credit; for every refunded top-up, what the ledger
   * debited plus what fell short is exactly the largest processed refund total (capped at the
   * top-up): {@code amount_refunded} is cumulative, so one credit may settle several refund
   * events with one debit, and a refund the wallet could not cover is a shortfall row, not a
   * debit. Nothing is left 'received' (claimed but neither applied nor failed).
   */
  static void assertNoEventProcessedWithoutItsEffect(ProviderWorld world) {
    assertEquals(0, world.db.count("""
        SELECT count(*) FROM stripe_webhook_events e
         WHERE e.status = 'processed'
           AND e.event_type IN ('checkout.session.completed', 'payment_intent.succeeded')
           AND NOT EXISTS (SELECT 1 FROM credit_transactions c
                            WHERE c.direction = 'credit' AND c.type IN ('topup', 'auto_recharge')
                              AND c.stripe_payment_intent_id = coalesce(e.payload #>> '{data,object,payment_intent}',
                                                                        e.payload #>> '{data,object,id}'))
        """), "top-up events marked processed whose credit is missing");
    assertEquals(0, world.db.count("""
        WITH refunded AS (
          SELECT e.payload #>> '{data,object,payment_intent}' AS pi,
                 max((e.payload #>> '{data,object,amount_refunded}')::bigint) AS total
            FROM stripe_webhook_events e
           WHERE e.status = 'processed' AND e.event_type = 'charge.refunded'
           GROUP BY 1)
        SELECT count(*) FROM refunded r
          JOIN credit_transactions t ON t.stripe_payment_intent_id = r.pi AND t.direction = 'credit'
         WHERE NOT EXISTS (SELECT 1 FROM stripe_disputes x WHERE x.stripe_payment_intent_id = r.pi)
           AND least(r.total, t.amount_pence)
               <> (SELECT coalesce(sum(d.amount_pence), 0) FROM credit_transactions d
                    WHERE d.stripe_payment_intent_id = r.pi AND d.direction = 'debit' AND d.type = 'stripe_refund')
                + (SELECT coalesce(sum(s.shortfall_pence), 0) FROM stripe_refund_shortfalls s
                    WHERE s.stripe_payment_intent_id = r.pi)
        """), REFUNDS_DIFFER);
    assertEquals(0, world.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'received'"),
        "events claimed but never finished");
  }

  static final String REFUNDS_DIFFER = "refunded top-ups whose debits and shortfalls differ from the refunded total";
  static final String TAKEN_BACK_TOO_MUCH = "payments whose refunds and disputes took back more than they credited";
  static final String DISPUTE_LEDGER_DIFFERS = "disputes whose ledger entries differ from what they applied";
  static final String DISPUTE_NOT_APPLIED = "dispute withdrawals marked processed but never applied";

  /**
   * Refunds and disputes of one payment together never take back more than it credited; each
   * dispute's ledger entries are exactly what its row says it applied (debited on withdrawal,
   * the same amount back on reinstatement); a processed withdrawal was applied.
   */
  static void assertTakeBacksWithinTheirCredits(ProviderWorld world) {
    assertEquals(0, world.db.count("""
        SELECT count(*) FROM credit_transactions t
         WHERE t.direction = 'credit' AND t.type IN ('topup', 'auto_recharge')
           AND t.amount_pence
               < (SELECT coalesce(sum(d.amount_pence), 0) FROM credit_transactions d
                   WHERE d.stripe_payment_intent_id = t.stripe_payment_intent_id AND d.type = 'stripe_refund')
               + (SELECT coalesce(sum(s.shortfall_pence), 0) FROM stripe_refund_shortfalls s
                   WHERE s.stripe_payment_intent_id = t.stripe_payment_intent_id)
               + (SELECT coalesce(sum(x.taken_pence), 0) FROM stripe_disputes x
                   WHERE x.stripe_payment_intent_id = t.stripe_payment_intent_id
                     AND x.withdrawal_applied_at IS NOT NULL AND x.reinstatement_applied_at IS NULL)
        """), TAKEN_BACK_TOO_MUCH);
    assertEquals(0, world.db.count("""
        SELECT count(*) FROM stripe_disputes x
         WHERE coalesce(x.debited_pence, 0) <> (SELECT coalesce(sum(amount_pence), 0) FROM credit_transactions
                                                 WHERE idempotency_key = 'stripe:dispute:' || x.dispute_id || ':withdrawn'
                                                   AND type = 'dispute' AND direction = 'debit')
            OR coalesce(x.returned_pence, 0) <> (SELECT coalesce(sum(amount_pence), 0) FROM credit_transactions
                                                  WHERE idempotency_key = 'stripe:dispute:' || x.dispute_id || ':reinstated'
                                                    AND type = 'dispute_reinstated' AND direction = 'credit')
        """), DISPUTE_LEDGER_DIFFERS);
    assertEquals(0, world.db.count("""
        SELECT count(*) FROM stripe_webhook_events e
         WHERE e.status = 'processed' AND e.event_type = 'charge.dispute.funds_withdrawn'
           AND NOT EXISTS (SELECT 1 FROM stripe_disputes x
                            WHERE x.dispute_id = e.payload #>> '{data,object,id}' AND x.withdrawal_applied_at IS NOT NULL)
        """), DISPUTE_NOT_APPLIED);
  }

  private static Set<String> column(ProviderWorld world, String column) {
    return world.db.rows("SELECT " + column + " AS v FROM managed_phone_numbers WHERE status = 'active'").stream()
        .map(Map::values).map(v -> String.valueOf(v.iterator().next()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Row counts of every table and every balance: equal before and after means nothing changed. */
  static Map<String, Object> snapshot(ProviderWorld world) {
    Map<String, Object> s = new java.util.LinkedHashMap<>();
    for (String table : new String[] {"organizations", "twilio_subaccounts", "twilio_addresses",
        "managed_phone_numbers", "org_credentials", "phone_number_mapping", "agents", "credit_transactions",
        "stripe_webhook_events", "stripe_disputes", "idempotency_keys"}) {
      s.put(table, world.db.count("SELECT count(*) FROM " + table));
    }
    s.put("balances", world.db.rows("SELECT id, wallet_balance_pence FROM organizations ORDER BY id"));
    s.put("numbers", world.db.rows("SELECT id, status, updated_at FROM managed_phone_numbers ORDER BY id"));
    s.put("agents", world.db.rows("SELECT id, vapi_phone_number_id, linked_phone_number_id FROM agents ORDER BY id"));
    s.put("twilio", world.twilio.heldNumbers().size());
    s.put("vapi", world.vapi.numbers().size());
    return s;
  }
}
