package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.stripe.Stripe;
import dev.switchboard.testing.FirstRequestProbe;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.ClassPreload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SnapStart preload list still covers the first real delivery (record it again: ./bench.sh preload). */
class StripeWebhookPreloadTest {
  @Test
  void preloadList_namesOnlyClassesThatExist_andEveryClassOfOursTheFirstDeliveryLoads() throws Exception {
    try (WebhookFixture f = new WebhookFixture()) {
      Instant now = Instant.now();
      String body = new StripeEvents(Stripe.API_VERSION, now)
          .checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(f.eventOrg(), 5000));

      List<String> loaded = FirstRequestProbe.classesLoadedByFirstRequest(FirstDeliveryAfterTheHooks.class, Map.of(
          "DATABASE_URL", f.db.jdbcUrl(), "STRIPE_WEBHOOK_SECRET", WebhookFixture.SECRET,
          "FIRST_DELIVERY_BODY", body,
          "FIRST_DELIVERY_SIGNATURE", StripeSignatures.header(body, WebhookFixture.SECRET, now)));

      assertEquals(List.of(), ClassPreload.missing(getClass().getClassLoader(), loaded));
      assertEquals(5000, f.db.balance(WebhookFixture.EVENT_ORG), "the first delivery was real work: a credit");
    }
  }

  /** Runs in a fresh JVM: the runtime's constructor, the SnapStart hooks, then the first delivery. */
  static final class FirstDeliveryAfterTheHooks {
    public static void main(String[] args) {
      StripeWebhookHandler handler = new StripeWebhookHandler();
      handler.snapStart().beforeCheckpoint(null);
      handler.snapStart().afterRestore(null);
      var event = EventLoader.loadApiGatewayHttpEvent(WebhookFixture.CHECKOUT_FILE);
      event.setBody(System.getenv("FIRST_DELIVERY_BODY"));
      event.setIsBase64Encoded(false);
      event.getHeaders().remove("Stripe-Signature");
      event.getHeaders().put("stripe-signature", System.getenv("FIRST_DELIVERY_SIGNATURE"));
      int status = FirstRequestProbe.firstRequest(() -> handler.handleRequest(event, null)).getStatusCode();
      System.exit(status == 200 ? 0 : 1);
    }
  }
}
