package dev.switchboard.bench.baseline.allsdks;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.stripe.StripeClients;
import dev.switchboard.providers.twilio.TwilioTelephony;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Cold-start baseline (b): the function the design avoids, one jar with every SDK, all of it
 * initialised eagerly in the constructor whether the request needs it or not. A Secrets
 * Manager client and one call (the provider keys), a Twilio client built and used once (a
 * subaccount lookup), a Stripe client built, a Jackson ObjectMapper, Flyway's configuration
 * classes, a database connection. Each request then checks a Stripe signature, parses the
 * body with Jackson and runs one query.
 */
public final class AllSdksHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final Connection connection;
  private final ObjectMapper mapper = new ObjectMapper();
  private final String webhookSecret;
  private final StripeClient stripe;
  private final Telephony telephony;
  private final FluentConfiguration flyway;

  public AllSdksHandler() throws Exception {
    String keys = SecretsManagerSource.create().read(System.getenv("BENCH_KEYS_SECRET_ID"));
    JsonNode secrets = mapper.readTree(keys);
    Settings settings = Settings.of(Map.of(
        "TWILIO_MASTER_ACCOUNT_SID", secrets.get("TWILIO_MASTER_ACCOUNT_SID").asText(),
        "TWILIO_MASTER_AUTH_TOKEN", secrets.get("TWILIO_MASTER_AUTH_TOKEN").asText(),
        "TWILIO_API_BASE_URL", System.getenv("TWILIO_API_BASE_URL"),
        "STRIPE_API_KEY", secrets.get("STRIPE_API_KEY").asText(),
        "STRIPE_API_BASE_URL", System.getenv("STRIPE_API_BASE_URL")));
    this.webhookSecret = secrets.get("STRIPE_WEBHOOK_SECRET").asText();
    this.telephony = TwilioTelephony.from(settings);
    telephony.findSubaccounts("bench-all-sdks");
    this.stripe = StripeClients.from(settings);
    this.flyway = Flyway.configure().dataSource(System.getenv("DATABASE_URL"), null, null);
    this.connection = DriverManager.getConnection(System.getenv("DATABASE_URL"));
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    String signature = event.getHeaders().get("stripe-signature");
    try {
      Webhook.constructEvent(event.getBody(), signature, webhookSecret);
      JsonNode body = mapper.readTree(event.getBody());
      String org = body.path("data").path("object").path("client_reference_id").asText();
      try (PreparedStatement ps = connection.prepareStatement(
          "SELECT name, wallet_balance_pence FROM organizations WHERE id = ?")) {
        ps.setObject(1, UUID.fromString(org));
        try (ResultSet rs = ps.executeQuery()) {
          return answer(rs.next() ? 200 : 404, "{\"received\":true}");
        }
      }
    } catch (SignatureVerificationException e) {
      return answer(400, "{\"error\":\"invalid_signature\"}");
    } catch (SQLException | java.io.IOException | IllegalArgumentException e) {
      return answer(500, "{\"error\":\"internal\"}");
    }
  }

  private static APIGatewayV2HTTPResponse answer(int status, String body) {
    return APIGatewayV2HTTPResponse.builder().withStatusCode(status)
        .withHeaders(Map.of("content-type", "application/json")).withBody(body).build();
  }
}
