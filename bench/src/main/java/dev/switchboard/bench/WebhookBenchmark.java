package dev.switchboard.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.stripe.Stripe;
import dev.switchboard.config.Settings;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import java.io.OutputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The warm Stripe webhook handler against embedded PostgreSQL: distinct, correctly signed
 * top-up events (checkout.session.completed) per second at concurrency 1 and 8, beside the
 * bare SQL transaction each event needs (claim the event row, insert the ledger credit whose
 * trigger moves the balance, store the customer, mark the event processed), measured in the
 * same run on the same database.
 *
 * <p>Concurrency 8 is eight handler instances, one per thread, as eight warm Lambda
 * containers would be (each with its own connection), each crediting its own organisation.
 * The handler's log lines are formatted but not written during the measurement, so terminal
 * speed does not count.
 */
final class WebhookBenchmark implements Benchmark {
  static final String SECRET = "whsec_bench_not_a_real_secret";
  private static final int WARM_UP_EVENTS = 3_000;
  private static final int[] CONCURRENCY = {1, 8};
  private static final int EVENTS_PER_PHASE = 4_000;
  /** The target: at concurrency 8 the handler reaches at least this share of the bare transaction's events/s. */
  private static final double TARGET_PERCENT_AT_8 = 80;
  static final long PENCE = 5_000;

  private final Instant signedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final Clock clock = Clock.fixed(signedAt.plusSeconds(1), ZoneOffset.UTC);

  /** The clock its deliveries verify under (a second after they were signed). */
  Clock clock() {
    return clock;
  }
  private final StripeEvents stripe = new StripeEvents(Stripe.API_VERSION, signedAt);

  @Override
  public String name() {
    return "webhook";
  }

  @Override
  public String description() {
    return "warm Stripe webhook handler vs the bare SQL transaction, events/s at concurrency 1 and 8";
  }

  /** One top-up delivery, prepared before the clock starts. */
  record Delivery(String eventId, UUID org, String paymentIntent, String customer,
                          String body, String signature) {}

  private record Result(int events, double seconds, long[] latenciesNanos) {
    double perSecond() {
      return events / seconds;
    }

    double percentileMillis(double p) {
      long[] sorted = latenciesNanos.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
  }

  @Override
  public void run(PrintStream report) throws Exception {
    report.println("starting embedded PostgreSQL ...");
    String url = EmbeddedDatabase.shared().freshDatabase();
    List<UUID> orgs = new ArrayList<>();
    try (TestData db = new TestData(url)) {
      for (int i = 0; i < 8; i++) {
        orgs.add(db.organization("Bench org " + i));
      }
    }
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      report.println("warming up (" + WARM_UP_EVENTS + " events each way) ...");
      handler(url, orgs, 1, WARM_UP_EVENTS);
      bare(url, orgs, 1, WARM_UP_EVENTS);
      report.println("bare SQL connections: prepareThreshold=" + BareConnections.PREPARE_THRESHOLD
          + " (the functions': 0)");
      report.println("median (min-max) of " + Repeats.COUNT + " repeats of " + EVENTS_PER_PHASE
          + " events each way; handler/bare is per repeat");
      report.printf("%-28s %24s %10s %10s%n", "", "events/s", "p50 ms", "p99 ms");
      for (int threads : CONCURRENCY) {
        double[] handler = new double[Repeats.COUNT];
        double[] bare = new double[Repeats.COUNT];
        double[] ratio = new double[Repeats.COUNT];
        List<Result> hs = new ArrayList<>();
        List<Result> bs = new ArrayList<>();
        for (int r = 0; r < Repeats.COUNT; r++) {
          Result h = handler(url, orgs, threads, EVENTS_PER_PHASE);
          Result b = bare(url, orgs, threads, EVENTS_PER_PHASE);
          hs.add(h);
          bs.add(b);
          handler[r] = h.perSecond();
          bare[r] = b.perSecond();
          ratio[r] = 100 * h.perSecond() / b.perSecond();
        }
        line(report, "handler, concurrency " + threads, Repeats.of(handler), hs);
        line(report, "bare SQL, concurrency " + threads, Repeats.of(bare), bs);
        Repeats ratios = Repeats.of(ratio);
        report.printf("%-28s %24s  %s%n", "handler / bare SQL, %", ratios.format("%.0f"),
            threads == 8 ? ratios.atLeast(TARGET_PERCENT_AT_8, "%") : "");
      }
    } finally {
      System.setOut(stdout);
    }
    check(url, orgs, report);
  }

  private static void line(PrintStream report, String label, Repeats perSecond, List<Result> results) {
    report.printf("%-28s %24s %10.2f %10.2f%n", label, perSecond.format("%.0f"),
        Repeats.of(results.stream().mapToDouble(r -> r.percentileMillis(0.50)).toArray()).median(),
        Repeats.of(results.stream().mapToDouble(r -> r.percentileMillis(0.99)).toArray()).median());
  }

  private Result handler(String url, List<UUID> orgs, int threads, int events) throws Exception {
    List<StripeWebhookHandler> handlers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Settings settings = Settings.of(Map.of("DATABASE_URL", url, "STRIPE_WEBHOOK_SECRET", SECRET));
      StripeWebhookHandler handler = new StripeWebhookHandler(Platform.from(settings), clock);
      handler.handleRequest(apiEvent(delivery(orgs.get(t))), null); // opens its connection
      handlers.add(handler);
    }
    List<List<APIGatewayV2HTTPEvent>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<APIGatewayV2HTTPEvent> slice = new ArrayList<>();
      for (int i = 0; i < events / threads; i++) {
        slice.add(apiEvent(delivery(orgs.get(t))));
      }
      work.add(slice);
    }
    return measure(threads, t -> {
      StripeWebhookHandler handler = handlers.get(t);
      List<APIGatewayV2HTTPEvent> slice = work.get(t);
      long[] latencies = new long[slice.size()];
      for (int i = 0; i < slice.size(); i++) {
        long start = System.nanoTime();
        APIGatewayV2HTTPResponse response = handler.handleRequest(slice.get(i), null);
        latencies[i] = System.nanoTime() - start;
        if (response.getStatusCode() != 200 || response.getBody().contains("duplicate")) {
          throw new IllegalStateException("handler answered " + response.getStatusCode() + " " + response.getBody());
        }
      }
      return latencies;
    });
  }

  private Result bare(String url, List<UUID> orgs, int threads, int events) throws Exception {
    List<List<Delivery>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<Delivery> slice = new ArrayList<>();
      for (int i = 0; i < events / threads; i++) {
        slice.add(delivery(orgs.get(t)));
      }
      work.add(slice);
    }
    List<Connection> connections = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Connection c = BareConnections.open(url);
      c.setAutoCommit(false);
      connections.add(c);
    }
    try {
      return measure(threads, t -> bareTransactions(connections.get(t), work.get(t)));
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  /** Exactly the statements one top-up needs, prepared once, one transaction per event. */
  private static long[] bareTransactions(Connection c, List<Delivery> slice) throws SQLException {
    long[] latencies = new long[slice.size()];
    try (BareTopUp bare = new BareTopUp(c)) {
      for (int i = 0; i < slice.size(); i++) {
        long start = System.nanoTime();
        bare.apply(slice.get(i));
        latencies[i] = System.nanoTime() - start;
      }
    }
    return latencies;
  }

  /**
   * The bare SQL of one top-up on one connection: claim the event row, insert the ledger credit
   * (its trigger moves the balance), store the customer, mark the event processed, commit.
   */
  static final class BareTopUp implements AutoCloseable {
    private final Connection c;
    private final PreparedStatement claim;
    private final PreparedStatement credit;
    private final PreparedStatement customer;
    private final PreparedStatement processed;

    BareTopUp(Connection c) throws SQLException {
      this.c = c;
      c.setAutoCommit(false);
      claim = c.prepareStatement("""
          INSERT INTO stripe_webhook_events (event_id, event_type, api_version, livemode, status, attempts, payload)
          VALUES (?, 'checkout.session.completed', ?, false, 'received', 1, ?::jsonb)
          ON CONFLICT (event_id) DO UPDATE SET status = 'received', attempts = stripe_webhook_events.attempts + 1
           WHERE stripe_webhook_events.status IN ('failed', 'received')
          RETURNING attempts
          """);
      credit = c.prepareStatement("""
          INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,
                 balance_after_pence, idempotency_key, stripe_payment_intent_id, stripe_event_id, description)
          VALUES (?, 'topup', 'credit', ?, 0, 0, ?, ?, ?, 'Wallet top-up')
          RETURNING id
          """);
      customer = c.prepareStatement("UPDATE organizations SET stripe_customer_id = ?, updated_at = now() WHERE id = ?");
      processed = c.prepareStatement("""
          UPDATE stripe_webhook_events SET status = 'processed', org_id = ?, processed_at = now()
           WHERE event_id = ? AND status = 'received'
          """);
    }

    void apply(Delivery d) throws SQLException {
      claim.setString(1, d.eventId());
      claim.setString(2, Stripe.API_VERSION);
      claim.setString(3, d.body());
      try (ResultSet rs = claim.executeQuery()) {
        rs.next();
      }
      credit.setObject(1, d.org());
      credit.setLong(2, PENCE);
      credit.setString(3, "stripe:payment:" + d.paymentIntent());
      credit.setString(4, d.paymentIntent());
      credit.setString(5, d.eventId());
      try (ResultSet rs = credit.executeQuery()) {
        rs.next();
      }
      customer.setString(1, d.customer());
      customer.setObject(2, d.org());
      customer.executeUpdate();
      processed.setObject(1, d.org());
      processed.setString(2, d.eventId());
      processed.executeUpdate();
      c.commit();
    }

    @Override
    public void close() throws SQLException {
      claim.close();
      credit.close();
      customer.close();
      processed.close();
    }
  }

  @FunctionalInterface
  private interface Worker {
    long[] run(int thread) throws Exception;
  }

  private static Result measure(int threads, Worker worker) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<long[]>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return worker.run(thread);
        }));
      }
      ready.await();
      long start = System.nanoTime();
      go.countDown();
      List<long[]> all = new ArrayList<>();
      for (Future<long[]> f : futures) {
        all.add(f.get());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] latencies = all.stream().flatMapToLong(Arrays::stream).toArray();
      return new Result(latencies.length, seconds, latencies);
    } finally {
      pool.shutdown();
    }
  }

  Delivery delivery(UUID org) {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, PENCE);
    String eventId = StripeEvents.id("evt");
    String body = stripe.checkoutSessionCompleted(eventId, topUp);
    return new Delivery(eventId, org, topUp.paymentIntentId(), topUp.customerId(), body,
        StripeSignatures.header(body, SECRET, signedAt));
  }

  static APIGatewayV2HTTPEvent apiEvent(Delivery d) {
    return APIGatewayV2HTTPEvent.builder()
        .withVersion("2.0")
        .withRouteKey("POST /webhooks/stripe")
        .withRawPath("/webhooks/stripe")
        .withHeaders(Map.of("content-type", "application/json; charset=utf-8", "stripe-signature", d.signature(),
            "user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"))
        .withBody(d.body())
        .withIsBase64Encoded(false)
        .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
            .withRequestId(d.eventId())
            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").build())
            .build())
        .build();
  }

  /** Every credit landed once: the balances equal the ledgers, and nothing failed. */
  private static void check(String url, List<UUID> orgs, PrintStream report) {
    try (TestData db = new TestData(url)) {
      for (UUID org : orgs) {
        if (db.balance(org) != db.ledgerSum(org)) {
          throw new IllegalStateException("balance of " + org + " differs from its ledger");
        }
      }
      long notProcessed = db.count("SELECT count(*) FROM stripe_webhook_events WHERE status <> 'processed'");
      long credits = db.count("SELECT count(*) FROM credit_transactions");
      long events = db.count("SELECT count(*) FROM stripe_webhook_events");
      if (notProcessed != 0 || credits != events) {
        throw new IllegalStateException(notProcessed + " events not processed; " + credits + " credits for "
            + events + " events");
      }
      report.println("check: " + events + " events, " + credits + " credits, every balance equals its ledger");
    }
  }
}
