package dev.switchboard.function.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.stripe.Stripe;
import dev.switchboard.config.Settings;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.ApiRequest;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.http.PrimingEvents;
import dev.switchboard.json.Json;
import dev.switchboard.log.Log;
import dev.switchboard.stripe.ApplyStripeEvent;
import dev.switchboard.stripe.StackIdentity;
import dev.switchboard.stripe.StripeEvent;
import dev.switchboard.stripe.WebhookSignature;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/** POST /webhooks/stripe (no JWT: the Stripe signature is the authentication). */
public final class StripeWebhookHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  /** Stripe's events are a few KB; this leaves room without reading anything unbounded. */
  static final int MAX_BODY_BYTES = 1024 * 1024;
  private static final Log LOG = Log.of(StripeWebhookHandler.class);

  private final WebhookSignature signature;
  private final ApplyStripeEvent applyEvent;
  private final SnapStartHooks snapStart;

  /** The Lambda runtime's constructor: everything built once per container. */
  public StripeWebhookHandler() {
    this(Platform.from(Settings.fromEnvironment()), Clock.systemUTC());
  }

  public StripeWebhookHandler(Platform platform, Clock clock) {
    this.signature = new WebhookSignature(platform.settings(), clock);
    // the endpoint is registered with the SDK's API version; events in another are refused
    this.applyEvent = new ApplyStripeEvent(platform.database(), Stripe.API_VERSION,
        StackIdentity.from(platform.settings()), clock);
    this.snapStart = new SnapStartHooks(platform, this::prime, List.of()).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  public SnapStartHooks snapStart() {
    return snapStart;
  }

  /**
   * The request path on a delivery without a signature, the HMAC on a throwaway key, and the
   * event parser on a sample in memory: nothing is recorded, no provider is called, and the
   * signing secret is not read (on a first deploy it has no value when the version is published).
   */
  private void prime() {
    String sample = "{\"id\":\"evt_priming\",\"object\":\"event\",\"type\":\"priming\","
        + "\"api_version\":\"" + Stripe.API_VERSION + "\",\"data\":{\"object\":{}}}";
    StripeEvent.parse(sample);
    APIGatewayV2HTTPEvent delivery = PrimingEvents.request("POST", "/webhooks/stripe", "POST /webhooks/stripe",
        "org_id", sample, null);
    handleRequest(delivery, null);
    signature.prime(sample);
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    ApiRequest request = new ApiRequest(event);
    return ApiResponses.handle(() -> {
      // the registered URL has no query string: one here was not sent by Stripe
      request.queryParameters(Set.of());
      // exactly as Stripe signed it: API Gateway may have base64-encoded it
      String payload = new String(request.rawBody(MAX_BODY_BYTES, ErrorCode.INVALID_PAYLOAD), StandardCharsets.UTF_8);
      signature.verify(payload, request.header("Stripe-Signature"));
      ApplyStripeEvent.Outcome outcome = applyEvent.apply(parse(payload));
      return ApiResponses.json(200, outcome == ApplyStripeEvent.Outcome.DUPLICATE
          ? Json.obj("received", true, "duplicate", true)
          : Json.obj("received", true));
    }, request.requestId(), context);
  }

  /** A signed body that is no Stripe event has no id to record it by: it is logged instead. */
  private static StripeEvent parse(String payload) {
    try {
      return StripeEvent.parse(payload);
    } catch (SwitchboardException e) {
      LOG.warn("stripe.event.invalid_payload", "bytes", payload.length());
      throw e;
    }
  }
}
