package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database and the local key: kept between runs, seeded once, wiped by --fresh. */
class LocalServicesTest {
  @TempDir
  Path dir;

  private LocalServices start(boolean fresh, ByteArrayOutputStream announced) {
    return LocalServices.start(name -> false, Map.of(), dir, fresh, true, List.of(),
        new PrintStream(announced, true, StandardCharsets.UTF_8));
  }

  @Test
  void aSecondRun_keepsTheData_andTheKey_andSeedsTheDemoOrganisationOnce() {
    String key;
    try (LocalServices first = start(false, new ByteArrayOutputStream());
         TestData db = new TestData(first.jdbcUrl())) {
      key = first.settings().get("ENCRYPTION_KEY");
      db.credit(DemoOrganization.ORG_ID, 2_500, "adjustment", "kept between runs");
    }

    try (LocalServices second = start(false, new ByteArrayOutputStream());
         TestData db = new TestData(second.jdbcUrl())) {
      assertEquals(key, second.settings().get("ENCRYPTION_KEY"), "the same key reads what the last run encrypted");
      assertTrue(key.matches("[0-9a-f]{64}"), "AES-256 as 64 hex characters");
      assertEquals(2_500, db.balance(DemoOrganization.ORG_ID));
      assertEquals(1, db.count("SELECT count(*) FROM organizations"));
      assertEquals(2, db.count("SELECT count(*) FROM agents WHERE org_id = ?", DemoOrganization.ORG_ID));
    }

    ByteArrayOutputStream announced = new ByteArrayOutputStream();
    try (LocalServices fresh = start(true, announced); TestData db = new TestData(fresh.jdbcUrl())) {
      assertEquals(0, db.balance(DemoOrganization.ORG_ID), "--fresh starts from an empty database");
      assertNotEquals(key, fresh.settings().get("ENCRYPTION_KEY"));
      assertTrue(announced.toString(StandardCharsets.UTF_8).contains("database  SANDBOX"));
      assertTrue(fresh.settings().get("STRIPE_WEBHOOK_SECRET").startsWith("whsec_local"));
    }
  }

  @Test
  void aRunHoldingTheDataDirectory_makesASecondOneFailSayingWhy() {
    try (LocalServices first = start(false, new ByteArrayOutputStream())) {
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> start(false, new ByteArrayOutputStream()).close());
      assertTrue(e.getMessage().contains("is another local run using it?"), e.getMessage());
    }
  }
}
