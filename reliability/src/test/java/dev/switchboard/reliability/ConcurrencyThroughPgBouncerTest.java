package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.testing.PgBouncer;
import dev.switchboard.testing.TestWorld;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every scenario of {@link ConcurrencyTest} (webhook deliveries, provisioning and release
 * racing) with the functions behind PgBouncer in transaction mode, as behind RDS Proxy: eight
 * containers share {@link PgBouncer#POOL_SIZE} server connections, one lent per transaction.
 * A connection that left session state behind (a statement prepared on the server, a session
 * lock or setting) would break or leak here.
 */
class ConcurrencyThroughPgBouncerTest extends ConcurrencyTest {
  @BeforeAll
  static void needsPgBouncer() {
    assumeTrue(PgBouncer.available(), "pgbouncer is not installed (.ci/run installs it)");
  }

  @Override
  TestWorld world() {
    return super.world().throughPgBouncer();
  }
}
