package dev.switchboard.function.listnumbers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.FirstRequestProbe;
import dev.switchboard.testing.TestData;
import dev.switchboard.wiring.ClassPreload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SnapStart preload list still covers the first real request (record it again: ./bench.sh preload). */
class ListNumbersPreloadTest {
  @Test
  void preloadList_namesOnlyClassesThatExist_andEveryClassOfOursTheFirstRequestLoads() throws Exception {
    try (TestData db = new TestData(EmbeddedDatabase.shared().freshDatabase())) {
      db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", ListNumbersHandlerTest.EVENT_ORG);
      db.byocCredential(ListNumbersHandlerTest.EVENT_ORG, "inbound", "+14155550111", "vapi-byoc-1");

      List<String> loaded = FirstRequestProbe.classesLoadedByFirstRequest(FirstRequestAfterTheHooks.class,
          Map.of("DATABASE_URL", db.jdbcUrl()));

      assertEquals(List.of(), ClassPreload.missing(getClass().getClassLoader(), loaded));
    }
  }

  /** Runs in a fresh JVM: the runtime's constructor, the SnapStart hooks, then the first request. */
  static final class FirstRequestAfterTheHooks {
    public static void main(String[] args) {
      ListNumbersHandler handler = new ListNumbersHandler();
      handler.snapStart().beforeCheckpoint(null);
      handler.snapStart().afterRestore(null);
      var event = EventLoader.loadApiGatewayHttpEvent("events/list-numbers.json");
      int status = FirstRequestProbe.firstRequest(() -> handler.handleRequest(event, null)).getStatusCode();
      System.exit(status == 200 ? 0 : 1);
    }
  }
}
