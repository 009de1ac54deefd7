package dev.switchboard.function.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.EmittedMetrics;
import dev.switchboard.testing.EmittedMetrics.Datum;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What POST /phone-numbers emits, read back from the real handler's output: a number
 * provisioned, every provider call timed by provider and operation, and a refund counted by why
 * the purchase failed. A refusal of what the tenant asked for is not the provider failing.
 */
class ProvisionNumberMetricsTest {
  private static final UUID ORG = ProvisionNumberHandlerTest.ORG;

  @RegisterExtension final TestWorld world = TestWorld.providers();
  private ProvisionNumberHandler handler;

  @BeforeEach
  void setUp() {
    world.db().org().id(ORG).named("Acme Dental").balance(ProvisionNumberHandlerTest.BALANCE)
        .agentWithAssistant("inbound", "asst_inbound_1").create();
    handler = new ProvisionNumberHandler(Settings.of(world.settings()), SagaHooks.NONE);
  }


  private List<Datum> post(int expectedStatus) throws Exception {
    List<APIGatewayV2HTTPResponse> answer = new ArrayList<>();
    List<Datum> data = EmittedMetrics.during(() -> answer.add(handler.handleRequest(
        ProvisionNumberHandlerTest.provisionEvent(ProvisionNumberHandlerTest.body("inbound"), null), null)));
    assertEquals(expectedStatus, answer.get(0).getStatusCode(), answer.get(0).getBody());
    return data;
  }

  private static Map<String, String> call(String provider, String operation) {
    return Map.of("Provider", provider, "Operation", operation);
  }

  @Test
  void aPurchase_countsANumberProvisioned_andTimesEachProviderCall() throws Exception {
    List<Datum> data = post(201);

    assertEquals(1, EmittedMetrics.sum(data, "NumbersProvisioned"));
    Map<Map<String, String>, Double> latency = EmittedMetrics.sums(data, "ProviderLatency");
    assertTrue(latency.keySet().containsAll(List.of(call("twilio", "searchAvailable"), call("twilio", "buy"),
        call("vapi", "import"))), latency.toString());
    // one ProviderErrors point per call, every one 0
    assertEquals(EmittedMetrics.sums(data, "ProviderLatency").keySet(), EmittedMetrics.sums(data, "ProviderErrors").keySet());
    assertEquals(0, data.stream().filter(d -> d.name().equals("ProviderErrors")).mapToDouble(Datum::value).sum());
    assertEquals(0, EmittedMetrics.sum(data, "PurchasesRefunded", Map.of("Reason", "request")));
  }

  @Test
  void twilioRefusingThePurchase_isARefundForTheRequest_andNoProviderError() throws Exception {
    world.twilio().failAlways(FakeTwilio.BUY, Fault.status(400, "21404", "Trial accounts cannot buy numbers"));

    List<Datum> data = post(502);

    assertEquals(Map.of(Map.of("Reason", "request"), 1.0), EmittedMetrics.sums(data, "PurchasesRefunded"));
    assertEquals(0, EmittedMetrics.sum(data, "ProviderErrors", call("twilio", "buy")));
    assertEquals(1, data.stream().filter(d -> d.name().equals("ProviderLatency")
        && d.dimensions().equals(call("twilio", "buy"))).count());
    assertEquals(0, EmittedMetrics.sum(data, "NumbersProvisioned"));
  }

  @Test
  void vapiFailingTheImport_isAProviderError_andARefundWhoseOutcomeIsUnknown() throws Exception {
    world.vapi().failNext(FakeVapi.CREATE, Fault.status(500));

    List<Datum> data = post(502);

    assertEquals(1, EmittedMetrics.sum(data, "ProviderErrors", call("vapi", "import")));
    assertEquals(Map.of(Map.of("Reason", "platform_outcome_unknown"), 1.0),
        EmittedMetrics.sums(data, "PurchasesRefunded"));
    assertEquals(0, EmittedMetrics.sum(data, "NumbersProvisioned"));
  }
}
