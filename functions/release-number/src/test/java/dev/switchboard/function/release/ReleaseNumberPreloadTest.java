package dev.switchboard.function.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ProvisionNumber;
import dev.switchboard.numbers.ProvisionRequest;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.FirstRequestProbe;
import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.wiring.ClassPreload;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The SnapStart preload list still covers the first real release (record it again: ./bench.sh preload). */
class ReleaseNumberPreloadTest {
  @Test
  void preloadList_namesOnlyClassesThatExist_andEveryClassOfOursTheFirstReleaseLoads() throws Exception {
    try (ProviderWorld world = new ProviderWorld()) {
      UUID org = ReleaseNumberHandlerTest.ORG;
      world.db.update("INSERT INTO organizations (id, name) VALUES (?, 'Acme Dental')", org);
      world.db.credit(org, 5000, "adjustment", "opening balance");
      Settings settings = Settings.of(world.settings());
      Database database = new Database(DatabaseUrl.parse(world.db.jdbcUrl()));
      var answer = new ProvisionNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
          SecretCipher.fromHexKey(ProviderWorld.ENCRYPTION_KEY), NumberSettings.from(settings), SagaHooks.NONE)
          .provision(new OrgId(org), new ProvisionRequest(Country.US, NumberType.LOCAL, Optional.empty(),
              Direction.INBOUND, Optional.empty()), Optional.empty());
      database.closeIdleConnections();
      Map<String, String> env = new HashMap<>(world.settings());
      env.put("FIRST_RELEASE_NUMBER_ID", Json.parseObject(answer.body()).string("id"));

      List<String> loaded = FirstRequestProbe.classesLoadedByFirstRequest(FirstReleaseAfterTheHooks.class, env);

      assertEquals(List.of(), ClassPreload.missing(getClass().getClassLoader(), loaded));
      assertEquals(1, world.db.count("SELECT count(*) FROM managed_phone_numbers WHERE status = 'released'"),
          "the first request was real work: a number released");
    }
  }

  /** Runs in a fresh JVM: the runtime's constructor, the SnapStart hooks, then the first release. */
  static final class FirstReleaseAfterTheHooks {
    public static void main(String[] args) {
      ReleaseNumberHandler handler = new ReleaseNumberHandler();
      handler.snapStart().beforeCheckpoint(null);
      handler.snapStart().afterRestore(null);
      String id = System.getenv("FIRST_RELEASE_NUMBER_ID");
      var event = EventLoader.loadApiGatewayHttpEvent("events/release-number.json");
      event.setPathParameters(new HashMap<>(Map.of("id", id)));
      event.setRawPath("/phone-numbers/" + id);
      int status = FirstRequestProbe.firstRequest(() -> handler.handleRequest(event, null)).getStatusCode();
      System.exit(status / 100 == 2 ? 0 : 1);
    }
  }
}
