package dev.switchboard.testing;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The events/ files as API Gateway hands them over ({@code aws-lambda-java-tests}' EventLoader,
 * which a module using this brings as a test dependency), changed only where a test says so.
 */
public final class ApiEvents {
  private ApiEvents() {
  }

  public static APIGatewayV2HTTPEvent load(String file) {
    return EventLoader.loadApiGatewayHttpEvent(file);
  }

  /** {@code file} with its org claim naming {@code org} (null: no org claim at all). */
  public static APIGatewayV2HTTPEvent forOrg(String file, UUID org) {
    APIGatewayV2HTTPEvent e = load(file);
    Map<String, String> claims = e.getRequestContext().getAuthorizer().getJwt().getClaims();
    if (org == null) {
      claims.remove("org_id");
    } else {
      claims.put("org_id", org.toString());
    }
    return e;
  }

  /** A Stripe delivery of {@code body}, signed at {@code at} with {@code secret}. */
  public static APIGatewayV2HTTPEvent stripeDelivery(String body, String secret, Instant at) {
    return stripeDelivery(body, StripeSignatures.header(body, secret, at));
  }

  /** A Stripe delivery of {@code body} with this Stripe-Signature header (null: none). */
  public static APIGatewayV2HTTPEvent stripeDelivery(String body, String signature) {
    APIGatewayV2HTTPEvent e = load(Events.STRIPE_DELIVERY_FILE);
    e.setBody(body);
    e.setIsBase64Encoded(false);
    e.getHeaders().keySet().removeIf(h -> h.equalsIgnoreCase("stripe-signature"));
    if (signature != null) {
      e.getHeaders().put("stripe-signature", signature);
    }
    return e;
  }
}
