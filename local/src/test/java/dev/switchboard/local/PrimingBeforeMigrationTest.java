package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.Settings;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.wiring.Platform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishing a SnapStart version primes the handler with a harmless request. Should a version be
 * published against a database whose schema is not there yet (a deploy whose migration has not
 * run), the priming fails: that must not log request.crashed, which feeds RequestsCrashedAlarm.
 */
class PrimingBeforeMigrationTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void captureStandardOutput() {
    original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStandardOutput() {
    System.setOut(original);
  }

  @Test
  void primingAgainstAnEmptyDatabase_logsThatPrimingFailed_notThatARequestCrashed() {
    EmbeddedDatabase server = EmbeddedDatabase.shared();
    String name = "unmigrated_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    server.createDatabaseIfMissing(name);
    Settings settings = Settings.of(Map.of("DATABASE_URL", server.jdbcUrl(name), "STRIPE_API_KEY", "sk_test_not_used",
        "STRIPE_API_BASE_URL", "http://127.0.0.1:9"));

    new ListNumbersHandler(Platform.from(settings)).snapStart().beforeCheckpoint(null);
    new WalletHandler(Platform.from(settings)).snapStart().beforeCheckpoint(null);

    String logs = out.toString(StandardCharsets.UTF_8);
    assertFalse(logs.contains("request.crashed"), logs);
    assertTrue(logs.contains("snapstart.prime"), "the priming met the missing schema: " + logs);
  }
}
