package dev.switchboard.function.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.FirstRequestProbe;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.wiring.ClassPreload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SnapStart preload list still covers the first real request (record it again: ./bench.sh preload). */
class WalletPreloadTest {
  @Test
  void preloadList_namesOnlyClassesThatExist_andEveryClassOfOursTheFirstRequestLoads() throws Exception {
    try (TestData db = new TestData(EmbeddedDatabase.shared().freshDatabase()); FakeStripe stripe = new FakeStripe()) {
      db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", WalletHandlerTest.EVENT_ORG);
      db.credit(WalletHandlerTest.EVENT_ORG, 5000, "adjustment", "opening balance");

      List<String> loaded = FirstRequestProbe.classesLoadedByFirstRequest(FirstRequestAfterTheHooks.class, Map.of(
          "DATABASE_URL", db.jdbcUrl(), "STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY,
          "STRIPE_API_BASE_URL", stripe.baseUrl(), "TOP_UP_SUCCESS_URL", WalletHandlerTest.SUCCESS,
          "TOP_UP_CANCEL_URL", WalletHandlerTest.CANCEL));

      assertEquals(List.of(), ClassPreload.missing(getClass().getClassLoader(), loaded));
    }
  }

  /** Runs in a fresh JVM: the runtime's constructor, the SnapStart hooks, then the first request. */
  static final class FirstRequestAfterTheHooks {
    public static void main(String[] args) {
      WalletHandler handler = new WalletHandler();
      handler.snapStart().beforeCheckpoint(null);
      handler.snapStart().afterRestore(null);
      var event = EventLoader.loadApiGatewayHttpEvent("events/wallet-get.json");
      int status = FirstRequestProbe.firstRequest(() -> handler.handleRequest(event, null)).getStatusCode();
      System.exit(status == 200 ? 0 : 1);
    }
  }
}
