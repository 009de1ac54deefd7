package dev.switchboard.testing;

import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import java.util.Map;

/**
 * {@link TestWorld#providers()} under its former name, for tests written against it: new tests
 * register a {@link TestWorld} instead.
 */
public final class ProviderWorld implements AutoCloseable {
  public static final String MASTER_SID = TestWorld.MASTER_SID;
  public static final String MASTER_TOKEN = TestWorld.MASTER_TOKEN;
  public static final String VAPI_KEY = TestWorld.VAPI_KEY;
  public static final String ENCRYPTION_KEY = TestWorld.ENCRYPTION_KEY;
  public static final long READ_TIMEOUT_MILLIS = TestWorld.READ_TIMEOUT_MILLIS;

  public final TestWorld world;
  public final TestData db;
  public final FakeTwilio twilio;
  public final FakeVapi vapi;

  public ProviderWorld() {
    this(TestWorld.providers().start());
  }

  /** On a migrated database of another server (its owner's JDBC URL). */
  public ProviderWorld(String jdbcUrl) {
    this(TestWorld.providers().onDatabase(jdbcUrl).start());
  }

  /** A started world's view. */
  public ProviderWorld(TestWorld world) {
    this.world = world;
    this.db = world.db();
    this.twilio = world.twilio();
    this.vapi = world.vapi();
  }

  public Map<String, String> settings() {
    return world.settings();
  }

  public void expireLeases() {
    world.expireLeases();
  }

  public void assertInvariant9() {
    world.assertInvariant9();
  }

  @Override
  public void close() {
    world.close();
  }
}
