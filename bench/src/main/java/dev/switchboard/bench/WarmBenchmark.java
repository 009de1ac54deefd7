package dev.switchboard.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.Settings;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.numbers.Credentials;
import dev.switchboard.numbers.ManagedNumber;
import dev.switchboard.numbers.ManagedNumbers;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.org.Organizations;
import dev.switchboard.wallet.Ledger;
import dev.switchboard.wiring.Platform;
import java.io.OutputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Warm latency (p50, p99) and throughput of each HTTP handler in-process, at concurrency 1 and
 * 8, against embedded PostgreSQL and zero-latency fakes, next to the bare SQL the operation
 * needs on one plain JDBC connection per worker, as a ratio. Concurrency 8 is eight handler
 * instances, one per thread, as eight warm Lambda containers would be, each for its own
 * organisation. Every cell warms up for {@link #WARM_UP_MILLIS} and is then measured for
 * {@link #MEASURE_MILLIS}; throughput is operations completed over that wall time.
 *
 * <p>Provisioning and release are measured as one lifecycle (POST /phone-numbers, then
 * DELETE /phone-numbers/{id} of the number just bought), so every cell leaves the world as
 * it found it; its bare SQL is the saga's database steps alone (charge and insert; buy and
 * activate with credential, mapping and agent link; mark releasing and unlink; released).
 */
final class WarmBenchmark implements Benchmark {
  private static final Organizations ORGANIZATIONS = new Organizations();
  private static final ManagedNumbers NUMBERS = new ManagedNumbers();
  private static final Credentials CREDENTIALS = new Credentials();
  private static final Ledger LEDGER = new Ledger();
  private static final int[] CONCURRENCY = {1, 8};
  private static final long WARM_UP_MILLIS = 1_000;
  private static final long MEASURE_MILLIS = 2_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Each provisioning worker buys in its own area code: the fake offers every area's numbers in
   * one stable order, so eight buyers of one area would race for the same first candidates
   * (which the saga answers with 502 after three), measuring contention instead of the handler.
   */
  private static final String[][] AREAS = {{"US", "415"}, {"US", "212"}, {"US", "646"}, {"US", "312"},
      {"US", "305"}, {"CA", "604"}, {"CA", "416"}, {"CA", "514"}};
  private static final PojoSerializer<APIGatewayV2HTTPEvent> EVENTS =
      LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class, WarmBenchmark.class.getClassLoader());

  @Override
  public String name() {
    return "warm";
  }

  @Override
  public String description() {
    return "warm p50/p99 and throughput of each HTTP handler at concurrency 1 and 8, vs the bare SQL it needs";
  }

  /** One operation a worker repeats: the handler's way or the bare SQL way. */
  @FunctionalInterface
  private interface Op {
    void once() throws Exception;
  }

  /** Builds worker {@code w}'s operation (its own handler or connection, its own organisation). */
  @FunctionalInterface
  private interface OpFactory {
    Op build(int worker) throws Exception;
  }

  /** {@code targetPercentAt8}: the handler's least share of the bare SQL's throughput at concurrency 8 (0: none). */
  private record Operation(String name, OpFactory handler, OpFactory bare, double targetPercentAt8) {}

  private record Result(int ops, double seconds, long[] nanos) {
    double perSecond() {
      return ops / seconds;
    }

    double millisAt(double p) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
  }

  @Override
  public void run(PrintStream report) throws Exception {
    report.println("starting embedded PostgreSQL and the fakes ...");
    try (BenchWorld world = new BenchWorld()) {
      List<UUID> orgs = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        UUID org = world.customer("Warm customer " + w);
        world.db.byocCredential(org, "outbound", "+1415555" + String.format("%04d", w), "vapi-byoc-" + w);
        orgs.add(org);
      }
      List<Operation> operations = operations(world, orgs);
      PrintStream stdout = System.out;
      System.setOut(new PrintStream(OutputStream.nullOutputStream())); // handler logs: formatted, not written
      List<String> lines = new ArrayList<>();
      try {
        for (Operation op : operations) {
          report.println("measuring " + op.name() + " (" + Repeats.COUNT + " repeats) ...");
          for (int threads : CONCURRENCY) {
            lines.add(line(op, threads, measure(op, threads)));
          }
        }
      } finally {
        System.setOut(stdout);
      }
      report.println();
      report.println("bare SQL connections: prepareThreshold=" + BareConnections.PREPARE_THRESHOLD
          + " (the functions': 0)");
      report.println("median (min-max) of " + Repeats.COUNT + " repeats; each repeat measures the handler for "
          + MEASURE_MILLIS + " ms, then the bare SQL for " + MEASURE_MILLIS + " ms; handler/bare is per repeat");
      report.printf("%-36s %4s %8s %8s %22s %22s %16s  %s%n", "operation", "conc", "p50 ms", "p99 ms",
          "handler ops/s", "bare SQL ops/s", "handler/bare %", "target");
      lines.forEach(report::println);
      world.providers.assertInvariant9();
    }
  }

  /** The repeats of one cell: per repeat, the handler's and the bare SQL's results. */
  private record Cell(List<Result> handler, List<Result> bare) {
    Repeats handlerPerSecond() {
      return Repeats.of(handler.stream().mapToDouble(Result::perSecond).toArray());
    }

    Repeats barePerSecond() {
      return Repeats.of(bare.stream().mapToDouble(Result::perSecond).toArray());
    }

    Repeats ratioPercent() {
      double[] r = new double[handler.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = 100 * handler.get(i).perSecond() / bare.get(i).perSecond();
      }
      return Repeats.of(r);
    }

    Repeats handlerMillisAt(double p) {
      return Repeats.of(handler.stream().mapToDouble(h -> h.millisAt(p)).toArray());
    }
  }

  private static String line(Operation op, int threads, Cell cell) {
    Repeats ratio = cell.ratioPercent();
    String target = op.targetPercentAt8() > 0 && threads == 8 ? ratio.atLeast(op.targetPercentAt8(), "%") : "";
    return String.format("%-36s %4d %8.2f %8.2f %22s %22s %16s  %s", op.name(), threads,
        cell.handlerMillisAt(0.50).median(), cell.handlerMillisAt(0.99).median(), cell.handlerPerSecond().format("%.0f"),
        cell.barePerSecond().format("%.0f"), ratio.format("%.0f"), target);
  }

  /**
   * Builds the handler's and the bare SQL's workers once, warms both up, then measures them in
   * turn, {@link Repeats#COUNT} times: a burst of noise on the machine lands on one repeat, and
   * each ratio compares two windows measured seconds apart.
   */
  static Cell measure(Operation op, int threads) throws Exception {
    List<Op> handler = workers(op.handler(), threads);
    List<Op> bare = workers(op.bare(), threads);
    window(handler, WARM_UP_MILLIS);
    window(bare, WARM_UP_MILLIS);
    List<Result> h = new ArrayList<>();
    List<Result> b = new ArrayList<>();
    for (int r = 0; r < Repeats.COUNT; r++) {
      h.add(window(handler, MEASURE_MILLIS));
      b.add(window(bare, MEASURE_MILLIS));
    }
    return new Cell(h, b);
  }

  private List<Operation> operations(BenchWorld world, List<UUID> orgs) {
    Map<String, String> settings = world.settings();
    String url = world.db.jdbcUrl();
    WebhookBenchmark webhook = new WebhookBenchmark();
    List<Operation> ops = new ArrayList<>();
    ops.add(new Operation("list GET /phone-numbers",
        w -> apiOp(new ListNumbersHandler(Platform.from(Settings.of(settings)))::handleRequest,
            event("list-numbers.json", orgs.get(w))),
        w -> sqlOp(url, c -> {
          requireOrg(c, orgs.get(w));
          CREDENTIALS.dropdown(c, new OrgId(orgs.get(w)));
        }), 75));
    ops.add(new Operation("search GET /phone-numbers/available",
        w -> apiOp(new ProvisionNumberHandler(Settings.of(settings), SagaHooks.NONE)::handleRequest,
            event("search-available-numbers.json", orgs.get(w))),
        w -> sqlOp(url, c -> requireOrg(c, orgs.get(w))), 0));
    ops.add(new Operation("provision POST + release", w -> lifecycle(settings, orgs.get(w), AREAS[w]),
        w -> bareLifecycle(url, orgs.get(w)), 0));
    ops.add(new Operation("wallet GET /wallet",
        w -> apiOp(new WalletHandler(Platform.from(Settings.of(settings)))::handleRequest,
            event("wallet-get.json", orgs.get(w))),
        w -> sqlOp(url, c -> {
          requireOrg(c, orgs.get(w));
          LEDGER.page(c, new OrgId(orgs.get(w)), null, 21);
        }), 0));
    ops.add(new Operation("webhook POST /webhooks/stripe",
        w -> {
          Map<String, String> env = new HashMap<>(settings);
          env.put("STRIPE_WEBHOOK_SECRET", WebhookBenchmark.SECRET);
          StripeWebhookHandler handler = new StripeWebhookHandler(Platform.from(Settings.of(env)), webhook.clock());
          return () -> check(handler.handleRequest(WebhookBenchmark.apiEvent(webhook.delivery(orgs.get(w))), null));
        },
        w -> {
          WebhookBenchmark.BareTopUp bare = new WebhookBenchmark.BareTopUp(BareConnections.open(url));
          return () -> bare.apply(webhook.delivery(orgs.get(w)));
        }, 0)); // its target is judged by ./bench.sh webhook, whose events are signed before the clock starts
    return ops;
  }

  // ------------------------------------------------------------------ handler side

  @FunctionalInterface
  private interface Api {
    APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, com.amazonaws.services.lambda.runtime.Context c);
  }

  private static Op apiOp(Api handler, APIGatewayV2HTTPEvent event) {
    return () -> check(handler.handle(event, null));
  }

  private static APIGatewayV2HTTPResponse check(APIGatewayV2HTTPResponse r) {
    if (r.getStatusCode() / 100 != 2) {
      throw new IllegalStateException("handler answered " + r.getStatusCode() + " " + r.getBody());
    }
    return r;
  }

  private static APIGatewayV2HTTPEvent event(String file, UUID org) {
    return EVENTS.fromJson(Events.load(file).org(org).json());
  }

  /** Buys an inbound number through the provisioning handler, then releases it through the release handler. */
  private static Op lifecycle(Map<String, String> settings, UUID org, String[] area) {
    ProvisionNumberHandler provision = new ProvisionNumberHandler(Settings.of(settings), SagaHooks.NONE);
    ReleaseNumberHandler release = new ReleaseNumberHandler(Settings.of(settings), SagaHooks.NONE);
    APIGatewayV2HTTPEvent post = event("provision-number.json", org);
    post.setBody("{\"country\":\"" + area[0] + "\",\"numberType\":\"local\",\"areaCode\":\"" + area[1]
        + "\",\"direction\":\"inbound\"}");
    APIGatewayV2HTTPEvent delete = event("release-number.json", org);
    return () -> {
      post.getHeaders().put("idempotency-key", UUID.randomUUID().toString());
      String id = JSON.readTree(check(provision.handleRequest(post, null)).getBody()).path("id").asText();
      delete.setRawPath("/phone-numbers/" + id);
      delete.getRequestContext().getHttp().setPath("/phone-numbers/" + id);
      delete.setPathParameters(Map.of("id", id));
      check(release.handleRequest(delete, null));
    };
  }

  // ------------------------------------------------------------------ bare SQL side

  @FunctionalInterface
  private interface Sql {
    void run(Connection c) throws SQLException;
  }

  /** One transaction of {@code work} per operation, on this worker's own connection. */
  private static Op sqlOp(String url, Sql work) throws SQLException {
    Connection c = BareConnections.open(url);
    c.setAutoCommit(false);
    return () -> {
      work.run(c);
      c.commit();
    };
  }

  private static void requireOrg(Connection c, UUID org) throws SQLException {
    ORGANIZATIONS.require(c, new OrgId(org));
  }

  /**
   * The provisioning and release sagas' database steps, four transactions, no provider calls:
   * the repository methods the sagas call, on this worker's own connection.
   */
  private static Op bareLifecycle(String url, UUID orgUuid) throws SQLException {
    Connection c = BareConnections.open(url);
    c.setAutoCommit(false);
    OrgId org = new OrgId(orgUuid);
    Pence price = Pence.of(1000);
    Duration lease = Duration.ofSeconds(60);
    return () -> {
      E164Number phone = new E164Number("+1415" + (2_000_000 + ThreadLocalRandom.current().nextInt(7_999_999)));
      // 1: lock the org, no live number, insert the provisioning row, charge, record the subaccount
      ORGANIZATIONS.lock(c, org);
      NUMBERS.hasLiveNumber(c, org, Direction.INBOUND);
      UUID id = NUMBERS.insertProvisioning(c, org, Country.US, NumberType.LOCAL, Optional.of("415"),
          Direction.INBOUND, price, lease);
      LEDGER.post(c, Ledger.Entry.debit(org, Ledger.Kind.NUMBER_PURCHASE, price, "number:" + id + ":charge",
          "Managed inbound number").forNumber(id));
      NUMBERS.recordSubaccount(c, id, "AC" + orgUuid.toString().replace("-", ""));
      c.commit();
      // 2: bought and imported: record both, activate with credential, mapping and agent link
      String vapiId = "vapi-" + id;
      NUMBERS.recordPurchase(c, id, phone, "PN" + id.toString().replace("-", ""));
      NUMBERS.recordImport(c, id, vapiId);
      NUMBERS.activate(c, id);
      CREDENTIALS.insertManaged(c, org, id, Direction.INBOUND.wire(), phone.value(), vapiId);
      NUMBERS.insertInboundMapping(c, org, id, phone);
      NUMBERS.linkAgents(c, org, id, Direction.INBOUND, vapiId);
      c.commit();
      // 3: release starts: lock it, mark releasing, remove mapping, credential and agent link
      ManagedNumber n = NUMBERS.lockOfOrg(c, org, id).orElseThrow();
      NUMBERS.markReleasing(c, id, lease);
      NUMBERS.deleteMapping(c, id);
      CREDENTIALS.deleteManaged(c, id);
      NUMBERS.unlinkAgents(c, n);
      c.commit();
      // 4: released at both providers
      NUMBERS.recordVapiReleased(c, id);
      NUMBERS.recordTwilioReleased(c, id);
      NUMBERS.markReleased(c, id);
      c.commit();
    };
  }

  // ------------------------------------------------------------------ measuring

  private static List<Op> workers(OpFactory factory, int threads) throws Exception {
    List<Op> ops = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      ops.add(factory.build(w));
    }
    return ops;
  }

  /** Runs every worker on its own thread for {@code millis}; the operations completed, and their latencies. */
  private static Result window(List<Op> ops, long millis) throws Exception {
    int threads = ops.size();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      long[] window = new long[2];
      List<Future<long[]>> futures = new ArrayList<>();
      for (Op op : ops) {
        futures.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          long end = window[1];
          long[] nanos = new long[1024];
          int n = 0;
          for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            op.once();
            if (n == nanos.length) {
              nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = System.nanoTime() - now;
          }
          return Arrays.copyOf(nanos, n);
        }));
      }
      ready.await();
      window[0] = System.nanoTime();
      window[1] = window[0] + millis * 1_000_000;
      go.countDown(); // the latch publishes window to the workers
      List<long[]> all = new ArrayList<>();
      for (Future<long[]> f : futures) {
        all.add(f.get());
      }
      double seconds = (System.nanoTime() - window[0]) / 1e9;
      long[] nanos = all.stream().flatMapToLong(Arrays::stream).toArray();
      return new Result(nanos.length, seconds, nanos);
    } finally {
      pool.shutdownNow();
    }
  }
}
