package dev.switchboard.function.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.EmittedMetrics;
import dev.switchboard.testing.EmittedMetrics.Datum;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.wiring.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /wallet/top-ups times its Stripe call, read back from the real handler's output; a Stripe 500 is a provider error. */
class WalletMetricsTest {
  private static final Map<String, String> CHECKOUT = Map.of("Provider", "stripe", "Operation", "checkout.sessions.create");

  private TestData db;
  private FakeStripe stripe;
  private WalletHandler handler;

  @BeforeEach
  void setUp() {
    db = new TestData(EmbeddedDatabase.shared().freshDatabase());
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", WalletHandlerTest.EVENT_ORG);
    stripe = new FakeStripe();
    handler = new WalletHandler(Platform.from(Settings.of(Map.of("DATABASE_URL", db.jdbcUrl(),
        "STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY, "STRIPE_API_BASE_URL", stripe.baseUrl(),
        "TOP_UP_SUCCESS_URL", WalletHandlerTest.SUCCESS, "TOP_UP_CANCEL_URL", WalletHandlerTest.CANCEL))));
  }

  @AfterEach
  void tearDown() {
    stripe.close();
    db.close();
  }

  private List<Datum> topUp(int expectedStatus) throws Exception {
    APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/wallet-top-up.json");
    List<APIGatewayV2HTTPResponse> answer = new ArrayList<>();
    List<Datum> data = EmittedMetrics.during(() -> answer.add(handler.handleRequest(event, null)));
    assertEquals(expectedStatus, answer.get(0).getStatusCode(), answer.get(0).getBody());
    return data;
  }

  private static long points(List<Datum> data, String metric) {
    return data.stream().filter(d -> d.name().equals(metric) && d.dimensions().equals(CHECKOUT)).count();
  }

  @Test
  void aTopUp_timesItsCheckoutSession() throws Exception {
    List<Datum> data = topUp(201);

    assertEquals(1, points(data, "ProviderLatency"));
    assertEquals(0, EmittedMetrics.sum(data, "ProviderErrors", CHECKOUT));
  }

  @Test
  void stripeAnswering500_isAProviderError() throws Exception {
    stripe.failNext(FakeStripe.CREATE_SESSION, Fault.status(500));

    List<Datum> data = topUp(502);

    assertEquals(1, EmittedMetrics.sum(data, "ProviderErrors", CHECKOUT));
  }
}
