package dev.switchboard.function.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.testing.FirstRequestProbe;
import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.wiring.ClassPreload;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SnapStart preload list still covers the first real purchase (record it again: ./bench.sh preload). */
class ProvisionNumberPreloadTest {
  @Test
  void preloadList_namesOnlyClassesThatExist_andEveryClassOfOursTheFirstPurchaseLoads() throws Exception {
    try (ProviderWorld world = new ProviderWorld()) {
      world.db.update("INSERT INTO organizations (id, name) VALUES (?, 'Acme Dental')", ProvisionNumberHandlerTest.ORG);
      world.db.credit(ProvisionNumberHandlerTest.ORG, 5000, "adjustment", "opening balance");
      world.db.agentWithAssistant(ProvisionNumberHandlerTest.ORG, "inbound", "asst_inbound_1");

      List<String> loaded = FirstRequestProbe.classesLoadedByFirstRequest(FirstPurchaseAfterTheHooks.class,
          world.settings());

      assertEquals(List.of(), ClassPreload.missing(getClass().getClassLoader(), loaded));
      assertEquals(1, world.db.count("SELECT count(*) FROM managed_phone_numbers WHERE status = 'active'"),
          "the first request was real work: a number bought");
    }
  }

  /** Runs in a fresh JVM: the runtime's constructor, the SnapStart hooks, then the first purchase. */
  static final class FirstPurchaseAfterTheHooks {
    public static void main(String[] args) {
      ProvisionNumberHandler handler = new ProvisionNumberHandler();
      handler.snapStart().beforeCheckpoint(null);
      handler.snapStart().afterRestore(null);
      var event = EventLoader.loadApiGatewayHttpEvent("events/provision-number.json");
      int status = FirstRequestProbe.firstRequest(() -> handler.handleRequest(event, null)).getStatusCode();
      System.exit(status == 201 ? 0 : 1);
    }
  }
}
