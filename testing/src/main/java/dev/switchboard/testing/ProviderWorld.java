package dev.switchboard.testing;

import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh database plus fake Twilio and Vapi servers, and the settings that point a function
 * at them: what the number sagas run against in tests. Provider timeouts are short so that a
 * delay past the timeout costs a test about a second, yet long enough that a successful
 * call on a cold, loaded CI machine never times out.
 */
public final class ProviderWorld implements AutoCloseable {
  public static final String MASTER_SID = "AC" + "0123456789abcdef0123456789abcdef";
  public static final String MASTER_TOKEN = "master-token-for-tests-0123456789";
  public static final String VAPI_KEY = "vapi-key-for-tests";
  public static final String ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  public static final long READ_TIMEOUT_MILLIS = 1000;

  public final TestData db;
  public final FakeTwilio twilio;
  public final FakeVapi vapi;

  public ProviderWorld() {
    this(EmbeddedDatabase.shared().freshDatabase());
  }

  /** On a migrated database of another server (its owner's JDBC URL). */
  public ProviderWorld(String jdbcUrl) {
    db = new TestData(jdbcUrl);
    twilio = new FakeTwilio(MASTER_SID, MASTER_TOKEN);
    vapi = new FakeVapi(VAPI_KEY);
  }

  /** The environment a provisioning, release or reconcile function needs. */
  public Map<String, String> settings() {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", db.jdbcUrl());
    env.put("TWILIO_MASTER_ACCOUNT_SID", MASTER_SID);
    env.put("TWILIO_MASTER_AUTH_TOKEN", MASTER_TOKEN);
    env.put("TWILIO_API_BASE_URL", twilio.baseUrl());
    env.put("VAPI_API_KEY", VAPI_KEY);
    env.put("VAPI_API_BASE_URL", vapi.baseUrl());
    env.put("ENCRYPTION_KEY", ENCRYPTION_KEY);
    env.put("PROVIDER_CONNECT_TIMEOUT_MS", "1000");
    env.put("PROVIDER_READ_TIMEOUT_MS", Long.toString(READ_TIMEOUT_MILLIS));
    return env;
  }

  /** Lets every saga lease lapse, as if the worker holding it had died long ago. */
  public void expireLeases() {
    db.update("UPDATE managed_phone_numbers SET lease_expires_at = now() - interval '1 second', "
        + "next_attempt_at = NULL WHERE lease_expires_at IS NOT NULL OR next_attempt_at IS NOT NULL");
  }

  /** Invariant 9 (docs/architecture.md#invariant-9), asserted from outside: each managed number is listed iff it is active. */
  public void assertInvariant9() {
    long violations = db.count("""
        SELECT count(*) FROM managed_phone_numbers n
         WHERE (n.status = 'active') <> EXISTS (SELECT 1 FROM org_credentials c WHERE c.managed_number_id = n.id)
            OR (n.status <> 'active' AND EXISTS (SELECT 1 FROM agents a WHERE a.linked_phone_number_id = n.id))
        """);
    if (violations != 0) {
      throw new AssertionError(violations + " managed numbers break Invariant 9");
    }
  }

  @Override
  public void close() {
    twilio.close();
    vapi.close();
    db.close();
  }
}
