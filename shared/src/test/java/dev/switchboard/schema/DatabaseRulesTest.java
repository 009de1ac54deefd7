package dev.switchboard.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rules the database itself enforces, proven by commits it must reject. */
class DatabaseRulesTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private TestData db;
  private UUID org;

  @BeforeEach
  void setUp() {
    db = world.db();
    org = db.organization("Acme", 5000);
  }

  private String activeNumber(UUID id, String direction, String phone, String vapiId) {
    return "INSERT INTO managed_phone_numbers (id, org_id, phone_number, country_code, number_type,"
        + " routing_direction, status, price_pence, twilio_account_sid, twilio_phone_sid, vapi_phone_id,"
        + " provisioned_at) VALUES ('" + id + "', '" + org + "', '" + phone + "', 'US', 'local', '"
        + direction + "', 'active', 1000, 'AC" + "0".repeat(32) + "', 'PN" + hex32(id) + "', '"
        + vapiId + "', now())";
  }

  private String credential(UUID numberId, String direction, String phone, String vapiId) {
    return "INSERT INTO org_credentials (org_id, provider, type, is_managed, managed_number_id, metadata)"
        + " VALUES ('" + org + "', 'twilio', '" + direction + "', true, '" + numberId + "',"
        + " '{\"phoneNumber\":\"" + phone + "\",\"vapiPhoneId\":\"" + vapiId
        + "\",\"managedNumberId\":\"" + numberId + "\"}')";
  }

  private static String hex32(UUID id) {
    return id.toString().replace("-", "");
  }

  private static void assertInvariant9Rejects(ThrowingRunnable commit) {
    SQLException e = assertThrows(SQLException.class, commit::run);
    assertEquals("23514", e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("invariant 9"), e.getMessage());
  }

  interface ThrowingRunnable {
    void run() throws SQLException;
  }

  @Test
  void migrations_applyToAnEmptyDatabase_andAgainAsANoOp() {
    var server = EmbeddedDatabase.shared();
    String name = "migrate_twice_" + System.nanoTime();
    server.createDatabaseIfMissing(name);
    var first = server.migrate(name);
    var second = server.migrate(name);
    assertTrue(first.applied() >= 1);
    assertEquals(0, second.applied());
    assertEquals(first.schemaVersion(), second.schemaVersion());
  }

  @Test
  void organizations_needOnlyIdAndName() {
    UUID id = db.organization("Plain");
    var row = db.row("SELECT wallet_balance_pence, telephony_mode FROM organizations WHERE id = ?", id);
    assertEquals(0L, row.get("wallet_balance_pence"));
    assertEquals("none", row.get("telephony_mode"));
  }

  @Test
  void invariant9_acceptsActiveNumberWithItsCredential() throws SQLException {
    UUID n = UUID.randomUUID();
    db.inTransaction(activeNumber(n, "inbound", "+14155550100", "vapi-1"),
        credential(n, "inbound", "+14155550100", "vapi-1"));
    assertEquals(1, db.count("SELECT count(*) FROM org_credentials WHERE managed_number_id = ?", n));
  }

  @Test
  void invariant9_rejectsActiveNumberWithoutCredential() {
    assertInvariant9Rejects(() -> db.inTransaction(
        activeNumber(UUID.randomUUID(), "inbound", "+14155550100", "vapi-1")));
  }

  @Test
  void invariant9_rejectsCredentialOfANumberThatIsNotActive() {
    UUID n = UUID.randomUUID();
    assertInvariant9Rejects(() -> db.inTransaction(
        "INSERT INTO managed_phone_numbers (id, org_id, country_code, number_type, routing_direction,"
            + " price_pence) VALUES ('" + n + "', '" + org + "', 'US', 'local', 'inbound', 1000)",
        credential(n, "inbound", "+14155550100", "vapi-1")));
  }

  @Test
  void invariant9_rejectsCredentialOfTheWrongDirectionOrNumber() {
    UUID n = UUID.randomUUID();
    assertInvariant9Rejects(() -> db.inTransaction(activeNumber(n, "inbound", "+14155550100", "vapi-1"),
        credential(n, "outbound", "+14155550100", "vapi-1")));
    UUID m = UUID.randomUUID();
    assertInvariant9Rejects(() -> db.inTransaction(activeNumber(m, "inbound", "+14155550100", "vapi-1"),
        credential(m, "inbound", "+14155550199", "vapi-1")));
  }

  @Test
  void invariant9_rejectsDeletingTheCredentialOfAnActiveNumber() throws SQLException {
    UUID n = UUID.randomUUID();
    db.inTransaction(activeNumber(n, "inbound", "+14155550100", "vapi-1"),
        credential(n, "inbound", "+14155550100", "vapi-1"));
    assertInvariant9Rejects(() -> db.inTransaction(
        "DELETE FROM org_credentials WHERE managed_number_id = '" + n + "'"));
  }

  @Test
  void invariant9_rejectsReleasingANumberThatStillHasItsCredentialOrAgent() throws SQLException {
    UUID n = UUID.randomUUID();
    UUID agent = db.agent(org, "outbound");
    db.inTransaction(activeNumber(n, "outbound", "+14155550100", "vapi-1"),
        credential(n, "outbound", "+14155550100", "vapi-1"),
        "UPDATE agents SET vapi_phone_number_id = 'vapi-1', linked_phone_number_id = '" + n
            + "' WHERE id = '" + agent + "'");
    // status moves on, the dropdown row stays (a released number still offered in the dropdown)
    assertInvariant9Rejects(() -> db.inTransaction(
        "UPDATE managed_phone_numbers SET status = 'releasing' WHERE id = '" + n + "'"));
    // the credential goes, but the agent still points at it
    assertInvariant9Rejects(() -> db.inTransaction(
        "UPDATE managed_phone_numbers SET status = 'releasing' WHERE id = '" + n + "'",
        "DELETE FROM org_credentials WHERE managed_number_id = '" + n + "'",
        "UPDATE agents SET linked_phone_number_id = NULL WHERE id = '" + agent + "'"));
    // all of it at once is a consistent commit
    db.inTransaction(
        "UPDATE managed_phone_numbers SET status = 'releasing' WHERE id = '" + n + "'",
        "DELETE FROM org_credentials WHERE managed_number_id = '" + n + "'",
        "UPDATE agents SET linked_phone_number_id = NULL, vapi_phone_number_id = NULL WHERE id = '"
            + agent + "'");
  }

  @Test
  void invariant9_rejectsPointingAnAgentAtANumberThatIsNotLive() throws SQLException {
    UUID n = UUID.randomUUID();
    UUID agent = db.agent(org, "outbound");
    db.inTransaction(
        "INSERT INTO managed_phone_numbers (id, org_id, country_code, number_type, routing_direction,"
            + " price_pence, vapi_phone_id) VALUES ('" + n + "', '" + org
            + "', 'US', 'local', 'outbound', 1000, 'vapi-9')");
    assertInvariant9Rejects(() -> db.inTransaction(
        "UPDATE agents SET vapi_phone_number_id = 'vapi-9' WHERE id = '" + agent + "'"));
  }

  @Test
  void oneLiveNumberPerDirection_andAReleasedOneCanBeBoughtAgain() throws SQLException {
    String provisioning = "INSERT INTO managed_phone_numbers (org_id, country_code, number_type,"
        + " routing_direction, price_pence) VALUES ('" + org + "', 'US', 'local', 'inbound', 1000)";
    db.inTransaction(provisioning);
    SQLException e = assertThrows(SQLException.class, () -> db.inTransaction(provisioning));
    assertEquals("23505", e.getSQLState());
    db.inTransaction("INSERT INTO managed_phone_numbers (org_id, country_code, number_type,"
        + " routing_direction, price_pence) VALUES ('" + org + "', 'US', 'local', 'outbound', 1000)");
    db.update("UPDATE managed_phone_numbers SET status = 'failed' WHERE routing_direction = 'inbound'");
    db.inTransaction(provisioning);
  }

  @Test
  void aFailedNumber_mustBeRefunded_andKeepsItsProviderCleanUpPendingUntilReleased() throws SQLException {
    SQLException unrefunded = assertThrows(SQLException.class, () -> db.inTransaction(
        "INSERT INTO managed_phone_numbers (org_id, country_code, number_type, routing_direction, price_pence,"
            + " status, charged_at) VALUES ('" + org + "', 'US', 'local', 'inbound', 1000, 'failed', now())"));
    assertEquals("23514", unrefunded.getSQLState());

    // a candidate whose purchase got no answer: failed and free, but the Twilio look-up is owed
    db.inTransaction("INSERT INTO managed_phone_numbers (org_id, country_code, number_type, routing_direction,"
        + " price_pence, status, charged_at, refunded_at, phone_number) VALUES ('" + org
        + "', 'US', 'local', 'inbound', 1000, 'failed', now(), now(), '+14155550100')");
    assertEquals(1, db.count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"));
    db.inTransaction("UPDATE managed_phone_numbers SET vapi_released_at = now(), twilio_released_at = now()");
    assertEquals(0, db.count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"));
  }

  @Test
  void wallet_cannotGoNegative_throughTheLedgerOrDirectly() {
    SQLException viaLedger = assertThrows(SQLException.class, () -> db.inTransaction(
        "INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,"
            + " balance_after_pence) VALUES ('" + org + "', 'number_purchase', 'debit', 5001, 0, 0)"));
    assertEquals("23514", viaLedger.getSQLState());
    SQLException direct = assertThrows(SQLException.class, () -> db.inTransaction(
        "UPDATE organizations SET wallet_balance_pence = -1 WHERE id = '" + org + "'"));
    assertEquals("23514", direct.getSQLState());
    assertEquals(5000, db.balance(org));
  }

  @Test
  void wallet_balanceMustEqualTheLedger() throws SQLException {
    SQLException e = assertThrows(SQLException.class, () -> db.inTransaction(
        "UPDATE organizations SET wallet_balance_pence = 999999 WHERE id = '" + org + "'"));
    assertEquals("23514", e.getSQLState());
    db.inTransaction(
        "INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,"
            + " balance_after_pence) VALUES ('" + org + "', 'number_purchase', 'debit', 1000, 0, 0)");
    assertEquals(4000, db.balance(org));
    assertEquals(db.ledgerSum(org), db.balance(org));
  }

  @Test
  void ledger_oneMultiRowInsert_cannotTakeTheWalletBelowZero() {
    // every row of one statement would read the same balance: 5000 - 3000 and 5000 - 4000
    SQLException e = assertThrows(SQLException.class, () -> db.inTransaction(
        "INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,"
            + " balance_after_pence) VALUES ('" + org + "', 'number_purchase', 'debit', 3000, 0, 0),"
            + " ('" + org + "', 'number_purchase', 'debit', 4000, 0, 0)"));
    assertEquals("23514", e.getSQLState());
    assertEquals(5000, db.balance(org));
    assertEquals(db.ledgerSum(org), db.balance(org));
  }

  @Test
  void ledger_oneInsertSelectOfTwoCredits_isRefused_ratherThanLosingOne() {
    SQLException e = assertThrows(SQLException.class, () -> db.inTransaction(
        "INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,"
            + " balance_after_pence) SELECT '" + org + "', 'adjustment', 'credit', a, 0, 0"
            + " FROM (VALUES (100), (200)) AS v(a)"));
    assertEquals("23514", e.getSQLState());
    assertEquals(5000, db.balance(org));
  }

  @Test
  void ledger_aDuplicateSkippedByOnConflict_movesNoMoney() throws SQLException {
    String post = "INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,"
        + " balance_after_pence, idempotency_key) VALUES ('" + org + "', 'topup', 'credit', 700, 0, 0, 'once')"
        + " ON CONFLICT DO NOTHING";
    db.inTransaction(post);
    db.inTransaction(post, post);
    assertEquals(5700, db.balance(org));
    assertEquals(db.ledgerSum(org), db.balance(org));
  }

  @Test
  void ledger_aPostingThatWaitedForTheOrgLock_commitsAfterOneThatHeldIt() throws Exception {
    // B holds the org lock (as every money path takes it first); A's insert forms its row, then
    // waits for that lock; B posts and commits; A then applies after B. Its commit must pass.
    String insert = "INSERT INTO credit_transactions (org_id, type, direction, amount_pence,"
        + " balance_before_pence, balance_after_pence) VALUES ('" + org + "', 'topup', 'credit', %d, 0, 0)";
    try (TestData a = new TestData(db.jdbcUrl()); TestData b = new TestData(db.jdbcUrl())) {
      b.connection().setAutoCommit(false);
      b.rows("SELECT id FROM organizations WHERE id = ? FOR UPDATE", org);
      var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
      try {
        var waiting = pool.submit(() -> {
          a.inTransaction(String.format(insert, 7));
          return null;
        });
        db.awaitSessionsWaitingForALock(1);
        b.update(String.format(insert, 100));
        b.connection().commit();
        waiting.get(1, java.util.concurrent.TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
        b.connection().setAutoCommit(true);
      }
    }
    assertEquals(5107, db.balance(org));
    assertEquals(db.ledgerSum(org), db.balance(org));
  }

  @Test
  void ledger_isAppendOnly() {
    assertThrows(SQLException.class, () -> db.inTransaction("DELETE FROM credit_transactions"));
    assertThrows(SQLException.class, () -> db.inTransaction(
        "UPDATE credit_transactions SET amount_pence = 1"));
    assertEquals(5000, db.ledgerSum(org));
  }
}
