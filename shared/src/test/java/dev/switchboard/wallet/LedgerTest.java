package dev.switchboard.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LedgerTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private final Ledger ledger = new Ledger();
  private TestData db;
  private Database database;
  private UUID org;

  @BeforeEach
  void setUp() {
    db = world.db();
    database = new Database(DatabaseUrl.parse(db.jdbcUrl()));
    org = db.organization("Acme");
  }

  private Optional<Ledger.Posted> post(Ledger.Entry entry) {
    return database.inTransaction(tx -> ledger.post(tx, entry));
  }

  private Ledger.Entry topUp(String paymentIntent, String key) {
    return Ledger.Entry.credit(new OrgId(org), Ledger.Kind.TOPUP, Pence.of(5000), key, "top-up")
        .fromStripe(paymentIntent, null);
  }

  @Test
  void post_sameIdempotencyKeyTwice_movesTheBalanceOnce_andTheSecondIsEmpty() {
    assertTrue(post(topUp("pi_1", "k1")).isPresent());
    assertEquals(Optional.empty(), post(topUp("pi_2", "k1")));
    assertEquals(5000, db.balance(org));
    assertEquals(5000, db.ledgerSum(org));
  }

  @Test
  void post_secondTopUpCreditOfOnePaymentIntent_isANoOp_evenUnderAnotherKey() {
    post(topUp("pi_1", "session-key"));
    assertEquals(Optional.empty(), post(topUp("pi_1", "intent-key")));
    assertEquals(Optional.empty(), post(Ledger.Entry.credit(new OrgId(org), Ledger.Kind.AUTO_RECHARGE,
        Pence.of(5000), null, "auto").fromStripe("pi_1", null)));
    assertEquals(5000, db.balance(org));
  }

  @Test
  void post_sameEntryConcurrently_movesTheBalanceOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Optional<Ledger.Posted>>> results = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(pool.submit(() -> post(topUp("pi_c", "k-c"))));
    }
    int posted = 0;
    for (var r : results) {
      posted += r.get().isPresent() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, posted);
    assertEquals(5000, db.balance(org));
    assertEquals(5000, db.ledgerSum(org));
  }

  @Test
  void post_creditAndDebitOfOneWalletInOneTransaction_commits() {
    database.inTransaction(tx -> {
      ledger.post(tx, topUp("pi_1", "k1"));
      return ledger.post(tx, Ledger.Entry.debit(new OrgId(org), Ledger.Kind.STRIPE_REFUND, Pence.of(2000),
          "k2", "refund").fromStripe("pi_1", null));
    });
    assertEquals(3000, db.balance(org));
    assertEquals(3000, db.ledgerSum(org));
  }

  @Test
  void aBalanceMovedWithoutItsLedger_isStillRefusedAtCommit() {
    post(topUp("pi_1", "k1"));
    SQLException e = assertThrows(SQLException.class,
        () -> db.inTransaction("UPDATE organizations SET wallet_balance_pence = 9999 WHERE id = '" + org + "'"));
    assertEquals("23514", e.getSQLState());
    assertEquals(5000, db.balance(org));
  }

  @Test
  void page_isNewestFirst_andContinuesBeforeTheLastSeq() {
    for (int i = 1; i <= 5; i++) {
      post(topUp("pi_" + i, "k" + i));
    }
    List<Ledger.Transaction> first = database.inTransaction(tx -> ledger.page(tx, new OrgId(org), null, 3));
    List<Ledger.Transaction> rest = database.inTransaction(
        tx -> ledger.page(tx, new OrgId(org), first.get(2).seq(), 3));
    assertEquals(List.of("pi_5", "pi_4", "pi_3"), first.stream().map(t -> t.paymentIntentId().orElseThrow()).toList());
    assertEquals(List.of("pi_2", "pi_1"), rest.stream().map(t -> t.paymentIntentId().orElseThrow()).toList());
    assertEquals(25000, first.get(0).balanceAfter().value());
  }
}
