package dev.switchboard.testing;

import com.stripe.Stripe;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one world a test runs against: a fresh, migrated database on the JVM's embedded PostgreSQL,
 * a clock at the events/ files' "now", Stripe events of the pinned API version, and (in the
 * {@link #providers()} variant) the fake Twilio, Vapi and Stripe over HTTP, with the settings that
 * point a function at all of it. The test builds the real handlers from {@link #settings()}.
 *
 * <p>A JUnit 5 extension in the manner of jdbi's {@code JdbiExtension}: registered with
 * {@code @RegisterExtension} on a static field it lives for the test class, on an instance field
 * for each test; its parts ({@link TestWorld}, {@link TestData}, the fakes, {@link TestClock},
 * {@link StripeEvents}) are injected into test and lifecycle methods that declare them. One
 * factory per variant; outside JUnit (a benchmark, the local runner) {@link #start()} and
 * {@link #close()} it by hand.
 */
public final class TestWorld implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback, ParameterResolver, AutoCloseable {
  public static final String MASTER_SID = "AC" + "0123456789abcdef0123456789abcdef";
  public static final String MASTER_TOKEN = "master-token-for-tests-0123456789";
  public static final String VAPI_KEY = "vapi-key-for-tests";
  public static final String ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  /**
   * Provider timeouts are short so that a delay past the timeout costs a test about a second, yet
   * long enough that a successful call on a cold, loaded CI machine never times out.
   */
  public static final long READ_TIMEOUT_MILLIS = 1000;
  public static final String TOP_UP_SUCCESS_URL = "https://app.example.com/wallet?topup=success";
  public static final String TOP_UP_CANCEL_URL = "https://app.example.com/wallet?topup=cancelled";

  private static final Set<Class<?>> INJECTED = Set.of(TestWorld.class, TestData.class, FakeTwilio.class,
      FakeVapi.class, FakeStripe.class, TestClock.class, StripeEvents.class);

  private final boolean withProviders;
  private String jdbcUrl;
  private boolean asApplicationRole;
  private boolean throughPgBouncer;

  private boolean perClass;
  private TestData db;
  private TestClock clock;
  private StripeEvents stripeEvents;
  private FakeTwilio twilio;
  private FakeVapi vapi;
  private FakeStripe stripe;
  private CommitDroppingProxy databaseProxy;

  private TestWorld(boolean withProviders) {
    this.withProviders = withProviders;
  }

  /** A fresh database, the clock and Stripe's events: what a function without providers needs. */
  public static TestWorld database() {
    return new TestWorld(false);
  }

  /** The database plus fake Twilio, Vapi and Stripe: what the number sagas and the wallet run against. */
  public static TestWorld providers() {
    return new TestWorld(true);
  }

  /** On a migrated database of another server (its owner's JDBC URL) instead of a fresh one. */
  public TestWorld onDatabase(String ownerJdbcUrl) {
    this.jdbcUrl = ownerJdbcUrl;
    return this;
  }

  /**
   * The functions log in as the application role, as in AWS (least privilege), so the test proves
   * that role can do its flow's work; arrangements and checks keep the owner's connection.
   */
  public TestWorld asApplicationRole() {
    this.asApplicationRole = true;
    return this;
  }

  /** The functions reach the database through PgBouncer in transaction mode, as behind RDS Proxy. */
  public TestWorld throughPgBouncer() {
    this.throughPgBouncer = true;
    return this;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Makes the world (the extension calls this); returns it. */
  public TestWorld start() {
    if (db != null) {
      throw new IllegalStateException("the world is already started");
    }
    db = new TestData(jdbcUrl != null ? jdbcUrl : EmbeddedDatabase.shared().freshDatabase());
    clock = new TestClock(Events.NOW);
    stripeEvents = new StripeEvents(Stripe.API_VERSION, Events.NOW);
    if (withProviders) {
      twilio = new FakeTwilio(MASTER_SID, MASTER_TOKEN);
      vapi = new FakeVapi(VAPI_KEY);
      stripe = new FakeStripe();
    }
    return this;
  }

  @Override
  public void close() {
    if (db == null) {
      return;
    }
    // every handler a test built holds pooled connections: end them, or a long suite runs the
    // shared server out of connection slots
    db.killOtherConnections();
    for (AutoCloseable part : new AutoCloseable[] {databaseProxy, stripe, vapi, twilio}) {
      if (part != null) {
        try {
          part.close();
        } catch (Exception ignored) {
          // a fake's server is stopping anyway
        }
      }
    }
    db.close();
    if (jdbcUrl == null) {
      EmbeddedDatabase.shared().dropDatabase(db.jdbcUrl());
    }
    db = null;
    databaseProxy = null;
    stripe = null;
    vapi = null;
    twilio = null;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return INJECTED.contains(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == TestWorld.class) {
      return this;
    }
    if (type == TestData.class) {
      return db();
    }
    if (type == TestClock.class) {
      return clock();
    }
    if (type == StripeEvents.class) {
      return stripeEvents();
    }
    if (type == FakeTwilio.class) {
      return twilio();
    }
    if (type == FakeVapi.class) {
      return vapi();
    }
    return stripe();
  }

  // ------------------------------------------------------------------ parts

  /** The owner's connection, to arrange and inspect. */
  public TestData db() {
    return started(db);
  }

  public TestClock clock() {
    return started(clock);
  }

  public StripeEvents stripeEvents() {
    return started(stripeEvents);
  }

  public FakeTwilio twilio() {
    return provider(twilio);
  }

  public FakeVapi vapi() {
    return provider(vapi);
  }

  public FakeStripe stripe() {
    return provider(stripe);
  }

  /**
   * A proxy between the functions and the database that can drop a commit's answer or go down,
   * made on first use: settings read after this call route the functions through it.
   */
  public CommitDroppingProxy databaseProxy() {
    started(db);
    if (databaseProxy == null) {
      databaseProxy = new CommitDroppingProxy(EmbeddedDatabase.shared().port());
    }
    return databaseProxy;
  }

  /** The JDBC URL the functions use: the application role, the proxy and the pooler as asked for. */
  public String functionsJdbcUrl() {
    String url = db().jdbcUrl();
    if (asApplicationRole) {
      url = EmbeddedDatabase.shared().asApplicationRole(url);
    }
    if (databaseProxy != null) {
      url = databaseProxy.jdbcUrl(url);
    }
    return throughPgBouncer ? PgBouncer.shared().route(url) : url;
  }

  /** The environment the functions read (each takes what it needs); a new, mutable map. */
  public Map<String, String> settings() {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", functionsJdbcUrl());
    env.put("STRIPE_WEBHOOK_SECRET", Events.WEBHOOK_SECRET);
    if (withProviders) {
      env.put("TWILIO_MASTER_ACCOUNT_SID", MASTER_SID);
      env.put("TWILIO_MASTER_AUTH_TOKEN", MASTER_TOKEN);
      env.put("TWILIO_API_BASE_URL", twilio.baseUrl());
      env.put("VAPI_API_KEY", VAPI_KEY);
      env.put("VAPI_API_BASE_URL", vapi.baseUrl());
      env.put("STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY);
      env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
      env.put("ENCRYPTION_KEY", ENCRYPTION_KEY);
      env.put("PROVIDER_CONNECT_TIMEOUT_MS", "1000");
      env.put("PROVIDER_READ_TIMEOUT_MS", Long.toString(READ_TIMEOUT_MILLIS));
      env.put("TOP_UP_SUCCESS_URL", TOP_UP_SUCCESS_URL);
      env.put("TOP_UP_CANCEL_URL", TOP_UP_CANCEL_URL);
    }
    return env;
  }

  /** {@link #settings()} with these entries added or replaced. */
  public Map<String, String> settings(Map<String, String> overrides) {
    Map<String, String> env = settings();
    env.putAll(overrides);
    return env;
  }

  // ------------------------------------------------------------------ checks

  /** Lets every saga lease lapse, as if the worker holding it had died long ago. */
  public void expireLeases() {
    db().update("UPDATE managed_phone_numbers SET lease_expires_at = now() - interval '1 second', "
        + "next_attempt_at = NULL WHERE lease_expires_at IS NOT NULL OR next_attempt_at IS NOT NULL");
  }

  /** Invariant 9 (docs/architecture.md#invariant-9), asserted from outside: each managed number is listed iff it is active. */
  public void assertInvariant9() {
    long violations = db().count("""
        SELECT count(*) FROM managed_phone_numbers n
         WHERE (n.status = 'active') <> EXISTS (SELECT 1 FROM org_credentials c WHERE c.managed_number_id = n.id)
            OR (n.status <> 'active' AND EXISTS (SELECT 1 FROM agents a WHERE a.linked_phone_number_id = n.id))
        """);
    if (violations != 0) {
      throw new AssertionError(violations + " managed numbers break Invariant 9");
    }
  }

  private <T> T started(T part) {
    if (part == null) {
      throw new IllegalStateException("the world is not started (register it with @RegisterExtension, or start() it)");
    }
    return part;
  }

  private <T> T provider(T fake) {
    started(db);
    if (fake == null) {
      throw new IllegalStateException("this world has no fake providers: make it with TestWorld.providers()");
    }
    return fake;
  }
}
