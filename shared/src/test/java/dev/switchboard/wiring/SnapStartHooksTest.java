package dev.switchboard.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A restore meets whatever the database is doing at that moment: unreachable (a failover, a
 * full proxy) must not fail the restore, only leave the first request to connect itself.
 */
class SnapStartHooksTest {
  // nothing listens on port 1: the connection is refused at once
  private final Database unreachable = new Database(DatabaseUrl.parse("jdbc:postgresql://127.0.0.1:1/switchboard"));

  @Test
  void aRestoreWhileTheDatabaseIsUnreachable_stillRunsTheRestoreHooks_andDoesNotThrow() {
    AtomicInteger restored = new AtomicInteger();
    SnapStartHooks hooks = new SnapStartHooks(unreachable, () -> {}, List.of(restored::incrementAndGet));

    hooks.afterRestore(null);

    assertEquals(1, restored.get(), "the secrets are forgotten even when the connection cannot be opened");
    // the first request then meets the same refusal, and answers it (503), not the restore
    assertThrows(RuntimeException.class, () -> unreachable.inTransaction(tx -> 1));
  }
}
