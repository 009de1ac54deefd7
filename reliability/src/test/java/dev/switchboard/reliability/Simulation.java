package dev.switchboard.reliability;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.Stripe;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.reconcile.ReconcileHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.wiring.Platform;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.stripe.WebhookSignature;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.PgBouncer;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.SimulatedCrash;
import dev.switchboard.testing.fake.FakeHttpServer;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.testing.stripe.StripeEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * A seeded simulation of several tenants: concurrent clients run random operations (top-ups and
 * their webhook deliveries, duplicated, reordered and in other API versions; refunds and
 * disputes; purchases with reused, new or no Idempotency-Keys and their retries; releases;
 * listings; searches; reconciler runs) while faults are injected at random (provider errors,
 * time-outs, late successes, dropped connections, numbers no longer for sale, killed database
 * connections, commits whose answer is lost, functions dying at a saga's hook). Then the faults
 * stop, everything unanswered is delivered or retried, the reconciler runs until nothing is
 * pending, and the outcome is checked against a model of the money and the guarantees of
 * {@link Invariants}.
 *
 * <p>The seed fixes the set-up and every client's choices; threads interleave as they will, so
 * a replay runs the same schedule, not necessarily the same history: the trace says what
 * happened. Outcomes a client never heard (the function died, the commit's answer was lost) are
 * resolved from the database and the fakes, never guessed.
 */
final class Simulation {
  /** A property that failed: its name (what docs/architecture.md lists) and what was seen. */
  static final class Violation extends AssertionError {
    final String property;

    Violation(String property, String detail, Throwable cause) {
      super(property + ": " + detail, cause);
      this.property = property;
    }
  }

  /** What one seed did. */
  record Result(long seed, Config config, long operations, Map<String, Long> faults, Map<String, Long> answers,
                Duration took, Violation violation, List<String> trace) {
    String summary() {
      return String.format("seed %d: %s; %d operations in %.1f s (%.1f ops/s); faults %s; answers %s%s", seed,
          config, operations, took.toMillis() / 1000.0, operations * 1000.0 / Math.max(1, took.toMillis()), faults,
          answers, violation == null ? "; all properties hold" : "; VIOLATED " + violation.getMessage());
    }
  }

  /** Everything the seed decides before the clients start. */
  record Config(int orgs, int clients, int opsPerClient, long openingBalance, boolean pooler, double faultRate) {
    static Config of(long seed, int opsPerClient) {
      Random r = new Random(seed);
      int orgs = 2 + r.nextInt(3);
      int clients = 3 + r.nextInt(3);
      // a low balance on some seeds: purchases refused for funds, refunds and disputes falling short
      long opening = r.nextInt(3) == 0 ? 1_500 : 20_000;
      boolean pooler = PgBouncer.available() && r.nextInt(4) == 0;
      double faultRate = 0.15 + r.nextDouble() * 0.25;
      return new Config(orgs, clients, opsPerClient, opening, pooler, faultRate);
    }

    @Override
    public String toString() {
      return orgs + " orgs, " + clients + " clients × " + opsPerClient + " ops, opening balance " + openingBalance
          + (pooler ? ", through PgBouncer" : "") + String.format(", fault rate %.2f", faultRate);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PAST_TIMEOUT = Duration.ofMillis(TestWorld.READ_TIMEOUT_MILLIS * 2);
  /** Another API version Stripe renders copies in while an endpoint is being replaced. */
  private static final String OTHER_API_VERSION = "2025-03-31.basil";
  private static final String[] HOOKS = {"charged", "subaccount", "purchase", "vapi_import", "vapi_released",
      "twilio_released"};
  private static final String[] US_AREA_CODES = {"415", "212", "646", "312", "305"};
  private static final String GB_ADDRESS = ",\"address\":{\"customerName\":\"Acme Dental Ltd\",\"street\":\"1 High Street\","
      + "\"city\":\"London\",\"region\":\"London\",\"postalCode\":\"EC1A 1AA\",\"isoCountry\":\"GB\"}";
  private static final int QUIESCENCE_ROUNDS = 40;
  /** How long after a call the fakes may still carry out a delayed one: the longest delay, and a margin. */
  private static final Duration LATE_WINDOW = PAST_TIMEOUT.multipliedBy(4);

  private final long seed;
  private final Config config;
  private final Rig rig;
  private final long started = System.nanoTime();
  private final List<String> trace = new CopyOnWriteArrayList<>();
  private final List<Violation> violations = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> faults = new ConcurrentHashMap<>();
  /** What the operations were answered, by route and status: shows what a seed exercised. */
  private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
  private final AtomicLong operations = new AtomicLong();
  /**
   * Held (shared) by every request that may hold a saga's lease or reads the clock (a webhook
   * delivery checks its signature's age), and (exclusively) while time passes: leases lapse only
   * when no function is running, as a lease outlasts any function's timeout in AWS, so what lapses
   * is always a dead attempt's; and no delivery sees minutes pass between its signing and its check.
   */
  private final ReentrantReadWriteLock sagas = new ReentrantReadWriteLock();
  /** The functions' clock: secrets' cache ages and the webhook's refresh spacing; moved when time passes. */
  private final TestClock clock = new TestClock(Rig.NOW);
  /** Where the webhook's signing secret lives; rotated by the registrar replacing the endpoint. */
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final String secretArn = secretsManager.create("switchboard/stripe-webhook");
  /** The endpoints' signing keys, oldest first; the last is current, the one before it still accepted. */
  private final List<String> signingKeys = new CopyOnWriteArrayList<>();

  // ------------------------------------------------------------------ the model
  private final List<UUID> orgs = new ArrayList<>();
  /** Paid top-ups, by PaymentIntent. */
  private final Map<String, Payment> payments = new ConcurrentHashMap<>();
  /** Sessions created but never paid: no credit may come of them. */
  private final Set<String> unpaidSessions = ConcurrentHashMap.newKeySet();
  /** What Stripe still has to deliver (until answered 2xx), in no particular order. */
  private final List<Delivery> outbox = new ArrayList<>();
  /** Numbers answered 201, by id. */
  private final Map<String, Number> numbers = new ConcurrentHashMap<>();
  /** Per org: purchase attempts whose outcome the client never heard. */
  private final Map<UUID, AtomicInteger> unheardPurchases = new ConcurrentHashMap<>();
  /** Per (org, Idempotency-Key): the settled answers of POST /phone-numbers. */
  private final Map<String, List<String>> purchaseAnswers = new ConcurrentHashMap<>();
  /** Per (org, Idempotency-Key): the session ids POST /wallet/top-ups answered. */
  private final Map<String, List<String>> topUpAnswers = new ConcurrentHashMap<>();
  /** Purchases to ask again with the same key (no settled answer yet), and releases to send again. */
  private final Map<String, PendingPurchase> pendingPurchases = new ConcurrentHashMap<>();
  private final Map<String, UUID> pendingReleases = new ConcurrentHashMap<>();
  /** Events a delivery in the SDK's API version was answered as applying (not a duplicate). */
  private final Set<String> appliedEvents = ConcurrentHashMap.newKeySet();

  /** A paid top-up and what Stripe reported about it since. */
  static final class Payment {
    final UUID org;
    final StripeEvents.TopUp topUp;
    /** Stripe's cumulative refunded amount, as last reported. */
    long refunded;
    String disputeId;
    long disputed;
    boolean reinstated;

    Payment(UUID org, StripeEvents.TopUp topUp) {
      this.org = org;
      this.topUp = topUp;
    }

    /** Refunds and the dispute together stay within the payment (a half each). */
    long refundable() {
      return topUp.amountPence() / 2 - refunded;
    }
  }

  record Delivery(String eventId, String type, String apiVersion, String body) {}

  static final class Number {
    final UUID org;
    final String id;
    /** Once a DELETE was sent it may leave the list at any moment. */
    volatile boolean releaseSent;

    Number(UUID org, String id) {
      this.org = org;
      this.id = id;
    }
  }

  record PendingPurchase(UUID org, String key, String body) {}

  Simulation(long seed, Config config) {
    this.seed = seed;
    this.config = config;
    this.rig = new Rig(config.pooler());
  }

  /** Runs the seed: set-up, the clients, quiescence, the checks. Never throws for a violation. */
  static Result run(long seed, int opsPerClient) {
    Config config = Config.of(seed, opsPerClient);
    Simulation s = new Simulation(seed, config);
    try (Rig ignored = s.rig) {
      s.execute();
    } catch (Violation v) {
      s.violations.add(v);
    } catch (Throwable t) {
      s.violations.add(new Violation("the simulation itself ran", t.toString(), t));
    }
    Violation first = s.violations.isEmpty() ? null : s.violations.get(0);
    return new Result(seed, config, s.operations.get(), counts(s.faults), counts(s.answers),
        Duration.ofNanos(System.nanoTime() - s.started), first, List.copyOf(s.trace));
  }

  private void execute() throws Exception {
    Random setup = new Random(seed);
    for (int i = 0; i < config.orgs(); i++) {
      UUID org = new UUID(setup.nextLong() & ~0xF000L | 0x4000L, setup.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L);
      rig.world.db.update("INSERT INTO organizations (id, name) VALUES (?, ?)", org, "Simulated Clinic " + i);
      rig.world.db.credit(org, config.openingBalance(), "adjustment", "opening balance");
      rig.world.db.agentWithAssistant(org, "inbound", "asst_sim_" + i);
      rig.world.db.agent(org, "outbound");
      orgs.add(org);
      unheardPurchases.put(org, new AtomicInteger());
    }
    signingKeys.add(Rig.WEBHOOK_SECRET);
    secretsManager.put(secretArn, "{\"endpointId\":\"we_sim_0\",\"current\":\"" + Rig.WEBHOOK_SECRET + "\"}");
    log(-1, "seed " + seed + ": " + config);

    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < config.clients(); i++) {
      clients.add(new Client(i, new Random(seed * 31 + i + 1)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients.size());
    try {
      List<Future<?>> running = new ArrayList<>();
      for (Client c : clients) {
        running.add(pool.submit(() -> {
          c.run();
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(10, TimeUnit.MINUTES); // only against a hang
      }
    } finally {
      pool.shutdownNow();
    }
    try {
      if (violations.isEmpty()) {
        quiesce(clients.get(0));
        check();
      }
    } finally {
      clients.forEach(Client::close);
      secretsManager.close();
    }
  }

  // ------------------------------------------------------------------ clients

  /** One client: its own handlers (its own containers), its own seeded choices. */
  final class Client {
    final int index;
    final Random rnd;
    /** Between this client's functions and the database (none through PgBouncer): loses a commit's answer. */
    private final CommitDroppingProxy proxy;
    private final Settings settings;
    private ProvisionNumberHandler provisioning;
    private ReleaseNumberHandler releasing;
    private final ListNumbersHandler listing;
    private final WalletHandler wallet;
    private final StripeWebhookHandler webhook;
    private ReconcileHandler reconciler;
    /**
     * A saga hook at which this client's next function dies, kills every database connection, or
     * loses the answer of its next commit.
     */
    private volatile String crashAt;
    private volatile String killAt;
    private volatile String dropCommitAt;
    private final List<String> keys = new ArrayList<>();
    private final Map<String, String> keyBodies = new HashMap<>();
    private final List<String> topUpKeys = new ArrayList<>();

    Client(int index, Random rnd) {
      this.index = index;
      this.rnd = rnd;
      Map<String, String> env = rig.env();
      if (config.pooler()) {
        proxy = null;
      } else {
        proxy = new CommitDroppingProxy(EmbeddedDatabase.shared().port());
        env.put("DATABASE_URL", proxy.jdbcUrl(EmbeddedDatabase.shared().asApplicationRole(rig.world.db.jdbcUrl())));
      }
      env.remove(WebhookSignature.SECRET_SETTING);
      env.put(WebhookSignature.SECRET_SETTING + "_SECRET_ID", secretArn);
      this.settings = new Settings(env, () -> new SecretsManagerSource(secretsManager.client()), clock);
      this.provisioning = new ProvisionNumberHandler(settings, hooks());
      this.releasing = new ReleaseNumberHandler(settings, hooks());
      this.listing = new ListNumbersHandler(Platform.from(settings));
      this.wallet = new WalletHandler(Platform.from(settings));
      this.webhook = new StripeWebhookHandler(Platform.from(settings), clock);
      this.reconciler = new ReconcileHandler(settings, hooks());
    }

    void close() {
      if (proxy != null) {
        proxy.close();
      }
    }

    /** The answer of this client's next commit is lost (its function sees the connection drop). */
    private void dropNextCommit() {
      if (proxy != null) {
        fault("commit answer lost");
        proxy.dropAfterNextCommit();
      }
    }

    private SagaHooks hooks() {
      return step -> {
        if (step.equals(killAt)) {
          killAt = null;
          fault("db connections killed");
          synchronized (rig.world.db) {
            rig.world.db.killOtherConnections();
          }
        }
        if (step.equals(dropCommitAt)) {
          dropCommitAt = null;
          dropNextCommit();
        }
        if (step.equals(crashAt)) {
          crashAt = null;
          fault("function died at " + step);
          throw new SimulatedCrash(step);
        }
      };
    }

    /** After a function died its container is gone: the next request gets a new one. */
    private void newContainers() {
      provisioning = new ProvisionNumberHandler(settings, hooks());
      releasing = new ReleaseNumberHandler(settings, hooks());
      reconciler = new ReconcileHandler(settings, hooks());
    }

    void run() {
      for (int i = 0; i < config.opsPerClient() && violations.isEmpty(); i++) {
        if (rnd.nextDouble() < config.faultRate()) {
          injectFault();
        }
        int pick = rnd.nextInt(100);
        try {
          if (pick < 16) {
            topUp();
          } else if (pick < 40) {
            deliver();
          } else if (pick < 46) {
            refund();
          } else if (pick < 50) {
            dispute();
          } else if (pick < 66) {
            purchase();
          } else if (pick < 70) {
            retryPending();
          } else if (pick < 73) {
            leasesLapse();
          } else if (pick < 82) {
            release();
          } else if (pick < 90) {
            list();
          } else if (pick < 92) {
            search();
          } else if (pick < 94) {
            rotateSigningSecret();
          } else {
            reconcile();
          }
        } catch (Violation v) {
          violations.add(v);
        }
        operations.incrementAndGet();
      }
      crashAt = null;
      killAt = null;
      dropCommitAt = null;
    }

    /** Time passes: every lease of a dead attempt lapses, so a retry or the reconciler may settle it. */
    private void leasesLapse() {
      sagas.writeLock().lock();
      try {
        timePasses();
        clock.advance(Duration.ofMinutes(2));
        log(index, "time passes: the leases of dead attempts lapse");
      } finally {
        sagas.writeLock().unlock();
      }
    }

    /**
     * The registrar replaces the endpoint: the stored secret gets a new current key and keeps the
     * replaced one as previous; Stripe signs new deliveries with the new key, and retries of the
     * old endpoint's with the old one.
     */
    private void rotateSigningSecret() {
      synchronized (signingKeys) {
        int n = signingKeys.size();
        String key = "whsec_sim_" + seed + "_" + n + "_" + Long.toHexString(rnd.nextLong() >>> 8);
        secretsManager.put(secretArn, "{\"endpointId\":\"we_sim_" + n + "\",\"current\":\"" + key
            + "\",\"previousEndpointId\":\"we_sim_" + (n - 1) + "\",\"previous\":\"" + signingKeys.get(n - 1)
            + "\",\"previousUntil\":\"" + clock.instant().plus(Duration.ofDays(3)) + "\"}");
        signingKeys.add(key);
        fault("signing secret rotated");
        log(index, "signing secret rotated: endpoint we_sim_" + n);
      }
    }

    private UUID org() {
      return orgs.get(rnd.nextInt(orgs.size()));
    }

    private String key(String prefix) {
      return prefix + "-" + seed + "-" + index + "-" + Long.toHexString(rnd.nextLong() >>> 16);
    }

    // -------------------------------------------------------------- faults

    private void injectFault() {
      int pick = rnd.nextInt(100);
      FakeTwilio twilio = rig.world.twilio;
      FakeVapi vapi = rig.world.vapi;
      String[] twilioRoutes = {FakeTwilio.CREATE_ACCOUNT, FakeTwilio.SEARCH_LOCAL, FakeTwilio.BUY, FakeTwilio.RELEASE};
      String[] vapiRoutes = {FakeVapi.CREATE, FakeVapi.DELETE};
      if (pick < 20) {
        providerFault("provider 5xx", twilio, vapi, twilioRoutes, vapiRoutes, Fault.status(rnd.nextBoolean() ? 500 : 503));
      } else if (pick < 28) {
        providerFault("provider connection dropped", twilio, vapi, twilioRoutes, vapiRoutes, Fault.drop());
      } else if (pick < 33) {
        providerFault("provider time-out", twilio, vapi, twilioRoutes, vapiRoutes, Fault.delay(PAST_TIMEOUT));
      } else if (pick < 36) {
        providerFault("provider late success", twilio, vapi, twilioRoutes, vapiRoutes, Fault.lateSuccess(PAST_TIMEOUT));
      } else if (pick < 38) {
        providerFault("provider hang", twilio, vapi, twilioRoutes, vapiRoutes, Fault.delay(PAST_TIMEOUT.multipliedBy(3)));
      } else if (pick < 48) {
        fault("number no longer available");
        twilio.failNext(FakeTwilio.BUY, Fault.status(400, "21422", "Phone Number is not available"), 1 + rnd.nextInt(3));
      } else if (pick < 55) {
        fault("stripe 5xx");
        rig.stripe.failNext(FakeStripe.CREATE_SESSION, FakeStripe.retryable(rnd.nextBoolean() ? 500 : 503));
      } else if (pick < 72) {
        crashAt = HOOKS[rnd.nextInt(HOOKS.length)];
      } else if (pick < 86) {
        killAt = HOOKS[rnd.nextInt(HOOKS.length)];
      } else if (pick < 90) {
        fault("secrets manager 5xx");
        secretsManager.failNextCall(FakeSecretsManager.GET_SECRET_VALUE, 500, "InternalServiceError",
            "the simulation's Secrets Manager outage");
      } else if (pick < 95) {
        dropNextCommit(); // of whatever this client does next: a charge, a credit, a top-up, a read
      } else {
        dropCommitAt = HOOKS[rnd.nextInt(HOOKS.length)]; // the next commit after that step: the activation, say
      }
    }

    private void providerFault(String kind, FakeTwilio twilio, FakeVapi vapi, String[] twilioRoutes,
                               String[] vapiRoutes, Fault fault) {
      boolean atTwilio = rnd.nextInt(3) < 2;
      String route = atTwilio ? twilioRoutes[rnd.nextInt(twilioRoutes.length)] : vapiRoutes[rnd.nextInt(vapiRoutes.length)];
      fault(kind);
      (atTwilio ? (FakeHttpServer) twilio : vapi).failNext(route, fault);
      log(index, "fault " + kind + " at " + route);
    }

    // -------------------------------------------------------------- top-ups and Stripe

    private void topUp() {
      UUID org = org();
      long amount = 2_500 + 100L * rnd.nextInt(76);
      String body = "{\"amountPence\":" + amount + "}";
      String key;
      if (!topUpKeys.isEmpty() && rnd.nextInt(5) == 0) {
        key = topUpKeys.get(rnd.nextInt(topUpKeys.size())); // a retry: the same key, the same request
        org = UUID.fromString(key.substring(key.lastIndexOf('|') + 1));
        body = keyBodies.get(key);
      } else {
        key = key("topup") + "|" + org;
        topUpKeys.add(key);
        keyBodies.put(key, body);
      }
      APIGatewayV2HTTPEvent e = Rig.event("events/wallet-top-up.json", org);
      e.setBody(body);
      e.getHeaders().put("idempotency-key", key.substring(0, key.indexOf('|')));
      APIGatewayV2HTTPResponse r = call("POST /wallet/top-ups " + body, () -> wallet.handleRequest(e, null));
      if (r == null || r.getStatusCode() != 201) {
        expectStatus(r, Set.of(502, 503), "POST /wallet/top-ups");
        return;
      }
      String session = Json.parseObject(r.getBody()).string("sessionId");
      List<String> answered = topUpAnswers.computeIfAbsent(org + "|" + key, k -> new CopyOnWriteArrayList<>());
      if (!answered.isEmpty() && !answered.get(answered.size() - 1).equals(session)) {
        // allowed only where the org's Stripe customer was replaced in between (read from Stripe):
        // the first session cannot be found again
        Object before = rig.stripe.sessionForm(answered.get(answered.size() - 1)).get("customer");
        Object now = rig.stripe.sessionForm(session).get("customer");
        if (before == null || now == null || before.equals(now)) {
          throw new Violation("the same Idempotency-Key always gets the same answer",
              "top-up key " + key + " answered sessions " + answered + " then " + session, null);
        }
      }
      answered.add(session);
      synchronized (payments) {
        if (unpaidSessions.contains(session) || payments.values().stream()
            .anyMatch(p -> p.topUp.sessionId().equals(session))) {
          return; // a replay of a session already paid or abandoned
        }
        if (rnd.nextInt(8) == 0) {
          unpaidSessions.add(session);
          log(index, "session " + session + " abandoned");
          if (rnd.nextBoolean()) {
            // Checkout reports a completed session still unpaid (a delayed method): no credit
            enqueue(sessionEvent(rig.stripe.sessions().stream().filter(s -> session.equals(s.get("id")))
                .findFirst().orElseThrow(), Stripe.API_VERSION, id("evt")), 1);
          }
          return;
        }
        Map<String, Object> paid = rig.stripe.completeSession(session);
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) paid.get("metadata");
        StripeEvents.TopUp topUp = new StripeEvents.TopUp(org.toString(), org.toString(),
            ((java.lang.Number) paid.get("amount_total")).longValue(),
            Long.parseLong(String.valueOf(metadata.get("amount_pence"))), "gbp", "paid", "succeeded", "wallet_topup",
            session, (String) paid.get("payment_intent"), id("ch"), (String) paid.get("customer"), id("pm"),
            (String) metadata.get("stack_id"));
        payments.put(topUp.paymentIntentId(), new Payment(org, topUp));
        log(index, "paid " + session + " " + topUp.paymentIntentId() + " " + topUp.amountPence() + " for " + org);
        // both events of the pair, each possibly more than once and in the other API version too
        String sessionEvent = id("evt");
        enqueue(sessionEvent(paid, Stripe.API_VERSION, sessionEvent), copies());
        if (rnd.nextInt(4) == 0) {
          enqueue(sessionEvent(paid, OTHER_API_VERSION, sessionEvent), 1);
        }
        if (rnd.nextInt(3) > 0) {
          String intentEvent = id("evt");
          enqueue(rig.stripeEvents.paymentIntentSucceeded(intentEvent, topUp), copies());
          if (rnd.nextInt(4) == 0) {
            enqueue(rig.stripeEvents.inApiVersion(OTHER_API_VERSION).paymentIntentSucceeded(intentEvent, topUp), 1);
          }
        }
      }
    }

    private int copies() {
      int r = rnd.nextInt(10);
      return r < 6 ? 1 : r < 9 ? 2 : 3;
    }

    private String id(String prefix) {
      StringBuilder sb = new StringBuilder(prefix).append("_1");
      String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      for (int i = 0; i < 24; i++) {
        sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      }
      return sb.toString();
    }

    private void enqueue(String body, int copies) {
      JsonObject event = Json.parseObject(body);
      synchronized (outbox) {
        for (int i = 0; i < copies; i++) {
          outbox.add(new Delivery(event.string("id"), event.string("type"), event.string("api_version"), body));
        }
      }
    }

    private Payment payment() {
      synchronized (payments) {
        List<Payment> all = payments.values().stream()
            .sorted(java.util.Comparator.comparing(p -> p.topUp.paymentIntentId())).toList();
        return all.isEmpty() ? null : all.get(rnd.nextInt(all.size()));
      }
    }

    /** A partial refund (Stripe reports the cumulative total), or a second one. */
    private void refund() {
      Payment p = payment();
      if (p == null) {
        return;
      }
      synchronized (payments) {
        if (p.refundable() <= 0) {
          return;
        }
        p.refunded += 1 + rnd.nextInt((int) p.refundable());
        log(index, "refund of " + p.topUp.paymentIntentId() + ": total " + p.refunded);
        enqueue(rig.stripeEvents.chargeRefunded(id("evt"), p.topUp, p.refunded), copies());
      }
    }

    /** A dispute opened (funds withdrawn) or, once open, won (funds reinstated). */
    private void dispute() {
      Payment p = payment();
      if (p == null) {
        return;
      }
      synchronized (payments) {
        if (p.disputeId == null) {
          p.disputeId = id("dp");
          p.disputed = 1 + rnd.nextInt((int) (p.topUp.amountPence() / 2));
          log(index, "dispute " + p.disputeId + " of " + p.topUp.paymentIntentId() + ": " + p.disputed);
          enqueue(rig.stripeEvents.disputeFundsWithdrawn(id("evt"), p.topUp, p.disputeId, p.disputed), copies());
        } else if (!p.reinstated) {
          p.reinstated = true;
          log(index, "dispute " + p.disputeId + " won");
          enqueue(rig.stripeEvents.disputeFundsReinstated(id("evt"), p.topUp, p.disputeId, p.disputed), copies());
        }
      }
    }

    /** Stripe delivers one pending event, any of them, or two copies of it at once. */
    private void deliver() {
      Delivery d;
      synchronized (outbox) {
        if (outbox.isEmpty()) {
          return;
        }
        d = outbox.get(rnd.nextInt(outbox.size()));
      }
      // Stripe signs with the current endpoint's key; now and then a retry of the replaced endpoint's
      int n = signingKeys.size();
      deliverOnce(d, webhook, index, signingKeys.get(n > 1 && rnd.nextInt(5) == 0 ? n - 2 : n - 1));
    }

    // -------------------------------------------------------------- numbers

    private void purchase() {
      UUID org;
      APIGatewayV2HTTPResponse r;
      String body;
      String key;
      int choice = rnd.nextInt(10);
      if (choice < 2 && !keys.isEmpty()) {
        key = keys.get(rnd.nextInt(keys.size())); // a retry or a replay: same key, same request
        body = keyBodies.get(key);
        org = UUID.fromString(key.substring(key.lastIndexOf('|') + 1));
      } else {
        org = org();
        body = purchaseBody();
        key = choice < 8 ? key("buy") + "|" + org : null;
        if (key != null) {
          keys.add(key);
          keyBodies.put(key, body);
        }
      }
      r = purchase(org, body, key);
      if (r != null && r.getStatusCode() == 502 && rnd.nextBoolean()) {
        // told it failed and was refunded, the client tries again at once with a new key
        String again = key("buy") + "|" + org;
        keys.add(again);
        keyBodies.put(again, body);
        purchase(org, body, again);
      }
    }

    private String purchaseBody() {
      String direction = rnd.nextBoolean() ? "inbound" : "outbound";
      int c = rnd.nextInt(10);
      if (c < 6) {
        return "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"" + US_AREA_CODES[rnd.nextInt(US_AREA_CODES.length)]
            + "\",\"direction\":\"" + direction + "\"}";
      } else if (c < 7) {
        return "{\"country\":\"US\",\"numberType\":\"toll_free\",\"direction\":\"" + direction + "\"}";
      } else if (c < 8) {
        return "{\"country\":\"CA\",\"numberType\":\"local\",\"areaCode\":\"604\",\"direction\":\"" + direction + "\"}";
      } else if (c < 9) {
        return "{\"country\":\"GB\",\"direction\":\"" + direction + "\"" + GB_ADDRESS + "}";
      }
      return "{\"country\":\"US\",\"numberType\":\"local\",\"direction\":\"" + direction + "\"}";
    }

    /** POST /phone-numbers once; what it answered is recorded against the key. */
    APIGatewayV2HTTPResponse purchase(UUID org, String body, String key) {
      APIGatewayV2HTTPEvent e = Rig.provisionEvent(org, "inbound", key == null ? null : key.substring(0, key.indexOf('|')));
      e.setBody(body);
      APIGatewayV2HTTPResponse r = call("POST /phone-numbers " + body + (key == null ? "" : " key " + key),
          () -> holdingLeases(() -> provisioning.handleRequest(e, null)));
      String pendingId = org + "|" + key;
      if (r == null) {
        if (key == null) {
          unheardPurchases.get(org).incrementAndGet();
        } else {
          pendingPurchases.put(pendingId, new PendingPurchase(org, key, body));
        }
        return null;
      }
      expectStatus(r, Set.of(201, 402, 409, 429, 502, 503), "POST /phone-numbers");
      if (r.getStatusCode() == 201) {
        String id = Json.parseObject(r.getBody()).string("id");
        numbers.computeIfAbsent(id, i -> new Number(org, i));
      }
      if (r.getStatusCode() == 502) {
        JsonObject error = Json.parseObject(r.getBody()).object("error");
        if (!Boolean.TRUE.equals(error.optBoolean("refunded").orElse(false))) {
          throw new Violation("every 502 says refunded", r.getBody(), null);
        }
      }
      boolean unsettled = r.getStatusCode() == 503 || r.getStatusCode() == 429
          || errorCode(r).equals("request_in_progress");
      if (key == null) {
        if (r.getStatusCode() == 503) {
          unheardPurchases.get(org).incrementAndGet(); // outcome_pending: the reconciler decides
        }
        return r;
      }
      if (unsettled) {
        pendingPurchases.put(pendingId, new PendingPurchase(org, key, body));
        return r;
      }
      pendingPurchases.remove(pendingId);
      String settled = r.getStatusCode() + " " + (r.getStatusCode() == 201
          ? Json.parseObject(r.getBody()).string("id") : errorCode(r));
      List<String> answers = purchaseAnswers.computeIfAbsent(pendingId, k -> new CopyOnWriteArrayList<>());
      answers.add(settled);
      if (!answers.get(0).equals(settled)) {
        throw new Violation("the same Idempotency-Key always gets the same answer",
            "key " + key + " answered " + answers, null);
      }
      return r;
    }

    /** Asks again what a purchase without a settled answer came to, or sends a release again. */
    void retryPending() {
      List<String> purchases = new ArrayList<>(new java.util.TreeSet<>(pendingPurchases.keySet()));
      if (!purchases.isEmpty() && (pendingReleases.isEmpty() || rnd.nextBoolean())) {
        PendingPurchase p = pendingPurchases.get(purchases.get(rnd.nextInt(purchases.size())));
        if (p != null) {
          purchase(p.org(), p.body(), p.key());
        }
        return;
      }
      List<String> releases = new ArrayList<>(new java.util.TreeSet<>(pendingReleases.keySet()));
      if (!releases.isEmpty()) {
        String id = releases.get(rnd.nextInt(releases.size()));
        UUID org = pendingReleases.get(id);
        if (org != null) {
          release(org, id);
        }
      }
    }

    private void release() {
      List<Number> live = numbers.values().stream().filter(n -> !n.releaseSent)
          .sorted(java.util.Comparator.comparing(n -> n.id)).toList();
      if (live.isEmpty()) {
        return;
      }
      Number n = live.get(rnd.nextInt(live.size()));
      n.releaseSent = true;
      release(n.org, n.id);
    }

    APIGatewayV2HTTPResponse release(UUID org, String id) {
      APIGatewayV2HTTPResponse r = call("DELETE /phone-numbers/" + id,
          () -> holdingLeases(() -> releasing.handleRequest(Rig.releaseEvent(org, id), null)));
      if (r != null) {
        expectStatus(r, Set.of(200, 202, 404, 409, 503), "DELETE /phone-numbers/{id}");
        if (r.getStatusCode() == 404 && !errorCode(r).equals("not_found")) {
          throw new Violation("every 4xx/5xx has the error envelope", r.getBody(), null);
        }
      }
      if (r == null || r.getStatusCode() == 202 || r.getStatusCode() == 409 || r.getStatusCode() == 503) {
        pendingReleases.put(id, org);
      } else {
        pendingReleases.remove(id);
      }
      return r;
    }

    /** GET /phone-numbers: every number answered 201 and not yet sent a DELETE is listed. */
    private void list() {
      UUID org = org();
      List<String> expected = numbers.values().stream().filter(n -> n.org.equals(org) && !n.releaseSent)
          .map(n -> n.id).sorted().toList();
      APIGatewayV2HTTPResponse r = call("GET /phone-numbers for " + org,
          () -> listing.handleRequest(Rig.event("events/list-numbers.json", org), null));
      if (r == null || r.getStatusCode() == 503) {
        return;
      }
      expectStatus(r, Set.of(200), "GET /phone-numbers");
      Set<String> listed = new java.util.HashSet<>();
      for (Object o : Json.parseObject(r.getBody()).list("numbers")) {
        Object id = ((Map<?, ?>) o).get("managedNumberId");
        if (id != null) {
          listed.add(id.toString());
          Number known = numbers.get(id.toString());
          if (known != null && !known.org.equals(org)) {
            throw new Violation("a tenant sees only its own numbers", id + " listed for " + org, null);
          }
        }
      }
      for (String id : expected) {
        if (!listed.contains(id) && !numbers.get(id).releaseSent) {
          throw new Violation("every 201 purchase is listed until its release", id + " missing from " + r.getBody(), null);
        }
      }
    }

    private void search() {
      UUID org = org();
      APIGatewayV2HTTPEvent e = Rig.event("events/search-available-numbers.json", org);
      APIGatewayV2HTTPResponse r = call("GET /phone-numbers/available", () -> provisioning.handleRequest(e, null));
      expectStatus(r, Set.of(200, 429, 502, 503), "GET /phone-numbers/available");
    }

    void reconcile() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      sagas.readLock().lock();
      try {
        reconciler.handleRequest(new ByteArrayInputStream(Files.readAllBytes(Path.of("events/schedule-reconcile.json"))),
            out, null);
        log(index, "reconcile → " + out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " "));
      } catch (SimulatedCrash dead) {
        log(index, "reconcile died: " + dead.getMessage());
        newContainers();
      } catch (IOException | RuntimeException e) {
        log(index, "reconcile failed: " + e);
      } finally {
        sagas.readLock().unlock();
      }
    }

    /** Calls a handler; null when the function died (a new container serves the next request). */
    private APIGatewayV2HTTPResponse call(String what, Supplier<APIGatewayV2HTTPResponse> handler) {
      APIGatewayV2HTTPResponse r;
      try {
        r = handler.get();
      } catch (SimulatedCrash dead) {
        log(index, what + " → died (" + dead.getMessage() + ")");
        answered(what, null);
        newContainers();
        return null;
      } catch (RuntimeException e) {
        throw new Violation("a handler always answers", what + " threw " + e, e);
      }
      log(index, what + " → " + r.getStatusCode() + " " + abbreviate(r.getBody()));
      answered(what, r);
      envelope(r, what);
      return r;
    }
  }

  // ------------------------------------------------------------------ shared steps

  /** One delivery of an event; removed from the outbox once Stripe would hear 2xx. */
  private void deliverOnce(Delivery d, StripeWebhookHandler webhook, int client, String signingKey) {
    APIGatewayV2HTTPResponse r;
    String what = "webhook " + d.type() + " " + d.eventId();
    try {
      r = holdingLeases(() -> webhook.handleRequest(
          Rig.stripeDelivery(d.body(), StripeSignatures.header(d.body(), signingKey, clock.instant())), null));
    } catch (RuntimeException e) {
      throw new Violation("a handler always answers", what + " threw " + e, e);
    }
    log(client, what + " → " + r.getStatusCode() + " " + abbreviate(r.getBody()));
    answered(what, r);
    envelopeOf(r, what);
    if (r.getStatusCode() == 200) {
      synchronized (outbox) {
        outbox.remove(d);
      }
      // one delivery applies an event, every other is a duplicate (a copy in another API version
      // may be deferred, so only the SDK's version is counted)
      boolean duplicate = Json.parseObject(r.getBody()).has("duplicate");
      if (!duplicate && Stripe.API_VERSION.equals(d.apiVersion())) {
        if (!appliedEvents.add(d.eventId())) {
          throw new Violation("each event is applied by one delivery", what + " applied again: " + r.getBody(), null);
        }
      }
    } else if (!(r.getStatusCode() == 503 || (r.getStatusCode() == 500 && errorCode(r).equals("event_not_applied"))
        // a container that re-read the secret less than a minute ago refuses the next key until it may again
        || (r.getStatusCode() == 400 && errorCode(r).equals("invalid_signature") && signingKeys.size() > 1))) {
      throw new Violation("the webhook answers 200, or asks Stripe to deliver again", what + " → "
          + r.getStatusCode() + " " + r.getBody(), null);
    }
  }

  /** Every API error: the envelope; never a 500 (the webhook's event_not_applied excepted). */
  private void envelope(APIGatewayV2HTTPResponse r, String what) {
    if (r.getStatusCode() == 500) {
      throw new Violation("no 500 is ever answered", what + " → " + r.getBody(), null);
    }
    envelopeOf(r, what);
  }

  private static void envelopeOf(APIGatewayV2HTTPResponse r, String what) {
    if (r.getStatusCode() < 400) {
      return;
    }
    try {
      JsonObject error = Json.parseObject(r.getBody()).object("error");
      if (error.string("code").isBlank() || error.string("message").isBlank()) {
        throw new IllegalStateException("blank");
      }
    } catch (RuntimeException e) {
      throw new Violation("every 4xx/5xx has the error envelope", what + " → " + r.getStatusCode() + " " + r.getBody(), e);
    }
  }

  private static void expectStatus(APIGatewayV2HTTPResponse r, Set<Integer> allowed, String what) {
    if (r != null && !allowed.contains(r.getStatusCode())) {
      throw new Violation("every answer is one the API documents", what + " → " + r.getStatusCode() + " " + r.getBody(), null);
    }
  }

  private static String errorCode(APIGatewayV2HTTPResponse r) {
    if (r.getStatusCode() < 400) {
      return "";
    }
    return Json.parseObject(r.getBody()).object("error").string("code");
  }

  private static String sessionEvent(Map<String, Object> session, String apiVersion, String eventId) {
    ObjectNode event = JSON.createObjectNode();
    event.put("id", eventId);
    event.put("object", "event");
    event.put("api_version", apiVersion);
    event.put("created", Rig.NOW.getEpochSecond());
    event.put("livemode", false);
    event.put("pending_webhooks", 1);
    event.put("type", "checkout.session.completed");
    event.putObject("data").set("object", JSON.valueToTree(session));
    return event.toString();
  }

  private void fault(String kind) {
    faults.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  private <T> T holdingLeases(Supplier<T> request) {
    sagas.readLock().lock();
    try {
      return request.get();
    } finally {
      sagas.readLock().unlock();
    }
  }

  /** Counts an answer: the route (method and first path segment) and the status, or "died". */
  private void answered(String what, APIGatewayV2HTTPResponse r) {
    String[] words = what.split(" ");
    String route = words[0].startsWith("webhook") ? "webhook " + words[1]
        : words[0] + " " + words[1].replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}");
    answers.computeIfAbsent(route + " " + (r == null ? "died" : r.getStatusCode()), k -> new AtomicLong())
        .incrementAndGet();
  }

  private static Map<String, Long> counts(Map<String, AtomicLong> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void log(int client, String line) {
    trace.add(String.format("%7.3f %s %s", (System.nanoTime() - started) / 1e9, client < 0 ? "--" : "c" + client, line));
  }

  private static String abbreviate(String body) {
    if (body == null) {
      return "";
    }
    String flat = body.replaceAll("\\s+", " ");
    return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
  }

  // ------------------------------------------------------------------ quiescence

  /**
   * The faults stop. Stripe delivers everything still unacknowledged; clients ask again about
   * every purchase without a settled answer and send every unfinished release again; leases
   * lapse and the reconciler runs; until nothing is pending (bounded).
   */
  private void quiesce(Client client) {
    log(-1, "quiescence: faults healed");
    rig.world.twilio.heal();
    rig.world.vapi.heal();
    rig.stripe.heal();
    secretsManager.heal();
    if (client.proxy != null) {
      client.proxy.disarm();
    }
    for (int round = 0; round < QUIESCENCE_ROUNDS; round++) {
      clock.advance(Duration.ofMinutes(2)); // a refused signature may be re-read again
      List<Delivery> pending;
      synchronized (outbox) {
        pending = new ArrayList<>(outbox);
      }
      for (Delivery d : pending) {
        deliverOnce(d, client.webhook, -1, signingKeys.get(signingKeys.size() - 1));
      }
      timePasses();
      for (PendingPurchase p : new ArrayList<>(pendingPurchases.values())) {
        client.purchase(p.org(), p.body(), p.key());
      }
      for (Map.Entry<String, UUID> r : new ArrayList<>(pendingReleases.entrySet())) {
        client.release(r.getValue(), r.getKey());
      }
      timePasses();
      client.reconcile();
      boolean empty;
      synchronized (outbox) {
        empty = outbox.isEmpty();
      }
      long unfinished = rig.world.db.count(
          "SELECT count(*) FROM managed_phone_numbers WHERE status IN ('provisioning', 'releasing') OR cleanup_pending");
      if (empty && pendingPurchases.isEmpty() && pendingReleases.isEmpty() && unfinished == 0) {
        log(-1, "quiescent after " + (round + 1) + " rounds");
        return;
      }
      if (unfinished > 0) {
        sleep(Duration.ofMillis(500)); // a clean-up put off until a late call could have landed
      }
    }
    throw new Violation("everything settles once the faults stop", "still pending after " + QUIESCENCE_ROUNDS
        + " rounds: " + outbox.size() + " deliveries, purchases " + pendingPurchases.keySet() + ", releases "
        + pendingReleases.keySet(), null);
  }

  /**
   * Minutes pass, as far as the sagas can tell: every lease lapses (called only while no function
   * runs), and a retry the reconciler put off becomes due, once a provider call that timed out
   * can no longer land (the fakes finish a delayed call within {@link #LATE_WINDOW}): the
   * reconciler's spacing exists so that its second look comes after any late purchase or import.
   */
  private void timePasses() {
    synchronized (rig.world.db) {
      rig.world.db.update("UPDATE managed_phone_numbers SET lease_expires_at = now() - interval '1 second' "
          + "WHERE lease_expires_at IS NOT NULL");
      rig.world.db.update("UPDATE managed_phone_numbers SET next_attempt_at = NULL WHERE next_attempt_at IS NOT NULL "
          + "AND updated_at < now() - make_interval(secs => ?)", LATE_WINDOW.toMillis() / 1000.0);
    }
  }

  // ------------------------------------------------------------------ the checks

  private void check() {
    var db = rig.world.db;
    // 1. every paid Checkout Session credited exactly once; no unpaid one credited
    for (Payment p : payments.values()) {
      List<Map<String, Object>> credits = db.rows("""
          SELECT amount_pence FROM credit_transactions
           WHERE stripe_payment_intent_id = ? AND direction = 'credit' AND type = 'topup'""", p.topUp.paymentIntentId());
      if (credits.size() != 1 || ((java.lang.Number) credits.get(0).get("amount_pence")).longValue() != p.topUp.amountPence()) {
        throw new Violation("every paid Checkout Session is credited exactly once",
            p.topUp.sessionId() + " (" + p.topUp.amountPence() + ") credited " + credits, null);
      }
    }
    if (db.count("SELECT count(*) FROM credit_transactions WHERE direction = 'credit' AND type = 'topup'") != payments.size()) {
      throw new Violation("every paid Checkout Session is credited exactly once", "top-up credits "
          + db.rows("SELECT stripe_payment_intent_id, amount_pence FROM credit_transactions WHERE type = 'topup'")
          + " for " + payments.size() + " paid sessions", null);
    }
    // 1b. refunds and disputes applied once, never more than the payment credited
    Map<UUID, Long> takenBack = new HashMap<>();
    for (Payment p : payments.values()) {
      String pi = p.topUp.paymentIntentId();
      long refundDebits = db.queryLong("SELECT coalesce(sum(amount_pence), 0) FROM credit_transactions "
          + "WHERE stripe_payment_intent_id = ? AND type = 'stripe_refund' AND direction = 'debit'", pi);
      long refundShort = db.queryLong("SELECT coalesce(sum(shortfall_pence), 0) FROM stripe_refund_shortfalls "
          + "WHERE stripe_payment_intent_id = ?", pi);
      if (refundDebits + refundShort != p.refunded) {
        throw new Violation("every refund is applied once", pi + ": Stripe refunded " + p.refunded + ", debited "
            + refundDebits + " + shortfall " + refundShort, null);
      }
      long disputeNet = 0;
      if (p.disputeId != null) {
        Map<String, Object> d = db.row("SELECT taken_pence, debited_pence, returned_pence, withdrawal_applied_at, "
            + "reinstatement_applied_at FROM stripe_disputes WHERE dispute_id = ?", p.disputeId);
        long taken = d.get("taken_pence") == null ? 0 : ((java.lang.Number) d.get("taken_pence")).longValue();
        long debited = d.get("debited_pence") == null ? 0 : ((java.lang.Number) d.get("debited_pence")).longValue();
        long returned = d.get("returned_pence") == null ? 0 : ((java.lang.Number) d.get("returned_pence")).longValue();
        if (d.get("withdrawal_applied_at") == null || p.reinstated != (d.get("reinstatement_applied_at") != null)) {
          throw new Violation("every dispute is applied once", p.disputeId + " (won: " + p.reinstated + ") " + d, null);
        }
        if (p.reinstated ? debited != returned : taken != p.disputed || debited > taken) {
          throw new Violation("every dispute is applied once", p.disputeId + " disputed " + p.disputed + " (won: "
              + p.reinstated + "): " + d, null);
        }
        disputeNet = debited - returned;
      }
      takenBack.merge(p.org, refundDebits + disputeNet, Long::sum);
    }
    // 2. each wallet: its ledger, and what the model computes from the outcomes
    invariant("wallet = ledger", () -> Invariants.assertWalletsEqualLedgers(rig.world));
    for (UUID org : orgs) {
      long credits = payments.values().stream().filter(p -> p.org.equals(org)).mapToLong(p -> p.topUp.amountPence()).sum();
      List<String> charged = db.rows("""
          SELECT id::text AS id FROM managed_phone_numbers
           WHERE org_id = ? AND status IN ('active', 'releasing', 'released')""", org).stream()
          .map(r -> (String) r.get("id")).toList();
      long answered = numbers.values().stream().filter(n -> n.org.equals(org)).count();
      for (Number n : numbers.values()) {
        if (n.org.equals(org) && !charged.contains(n.id)) {
          throw new Violation("every 201 purchase stays bought until released", n.id + " is "
              + db.row("SELECT status, failed_step FROM managed_phone_numbers WHERE id = ?::uuid", n.id), null);
        }
      }
      // bought without a 201 the client heard: only by a request whose answer was lost
      long unheard = charged.size() - answered;
      long lost = unheardPurchases.get(org).get();
      if (unheard > lost) {
        throw new Violation("a number is bought only for a request", org + ": " + unheard
            + " numbers nobody was answered 201 for, " + lost + " requests without a heard outcome", null);
      }
      long expected = config.openingBalance() + credits - Rig.PRICE * charged.size() - takenBack.getOrDefault(org, 0L);
      long balance = db.balance(org);
      if (balance != expected) {
        throw new Violation("each wallet equals the model", org + ": balance " + balance + ", model " + expected
            + " (opening " + config.openingBalance() + " + credits " + credits + " - " + charged.size() + " numbers - taken back "
            + takenBack.getOrDefault(org, 0L) + "); ledger " + db.rows(
                "SELECT type, direction, amount_pence, idempotency_key FROM credit_transactions WHERE org_id = ? ORDER BY seq", org),
            null);
      }
    }
    // 3. every settled 502 left nothing held (the providers hold exactly the active numbers, below)
    for (Map.Entry<String, List<String>> e : purchaseAnswers.entrySet()) {
      if (e.getValue().get(0).startsWith("502")) {
        String[] orgKey = e.getKey().split("\\|", 2);
        String key = orgKey[1].substring(0, orgKey[1].indexOf('|'));
        List<Map<String, Object>> rows = db.rows("""
            SELECT n.status FROM idempotency_keys k JOIN managed_phone_numbers n ON n.id = k.managed_number_id
             WHERE k.org_id = ?::uuid AND k.key = ?""", orgKey[0], key);
        if (rows.stream().anyMatch(row -> !"failed".equals(row.get("status")))) {
          throw new Violation("a refunded 502 holds nothing", key + " → " + rows, null);
        }
      }
    }
    // 4. the database's own invariants, and the providers hold exactly the active numbers
    invariant("Invariants.assertSettled", () -> Invariants.assertSettled(rig.world));
  }

  private static void invariant(String property, Runnable check) {
    try {
      check.run();
    } catch (AssertionError e) {
      throw new Violation(property, e.getMessage(), e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The trace's last lines, for a failure message. */
  static String tail(List<String> trace, int lines) {
    return String.join("\n", trace.subList(Math.max(0, trace.size() - lines), trace.size()));
  }

  static Map<String, Long> sum(List<Map<String, Long>> all) {
    Map<String, Long> total = new TreeMap<>();
    for (Map<String, Long> m : all) {
      m.forEach((k, v) -> total.merge(k, v, Long::sum));
    }
    return total;
  }

  static Optional<Long> replaySeed() {
    return Optional.ofNullable(System.getProperty("simulation.seed")).map(Long::parseLong);
  }
}
