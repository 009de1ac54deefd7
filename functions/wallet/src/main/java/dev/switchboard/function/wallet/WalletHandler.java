package dev.switchboard.function.wallet;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Credential;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.ApiRequest;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.http.PrimingEvents;
import dev.switchboard.json.Json;
import dev.switchboard.providers.stripe.StripeClients;
import dev.switchboard.stripe.StackIdentity;
import dev.switchboard.stripe.StripeTopUpCheckout;
import dev.switchboard.wallet.TopUpCheckout;
import dev.switchboard.wallet.TopUpSettings;
import dev.switchboard.wallet.TopUpWallet;
import dev.switchboard.wallet.WalletStatement;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** POST /wallet/top-ups and GET /wallet. */
public final class WalletHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private static final Set<String> STATEMENT_PARAMETERS = Set.of("limit", "cursor");

  private final TopUpWallet topUp;
  private final WalletStatement statement;
  private final String orgClaim;
  private final SnapStartHooks snapStart;

  /** The Lambda runtime's constructor: everything built once per container. */
  public WalletHandler() {
    this(Platform.from(Settings.fromEnvironment()));
  }

  public WalletHandler(Platform platform) {
    this.topUp = new TopUpWallet(platform.database(),
        new StripeTopUpCheckout(StripeClients.from(platform.settings()),
            new Credential(platform.settings(), "STRIPE_API_KEY"), StackIdentity.from(platform.settings())),
        TopUpSettings.from(platform.settings()));
    this.statement = new WalletStatement(platform.database());
    this.orgClaim = platform.orgClaim();
    this.snapStart = new SnapStartHooks(platform, this::prime, List.of()).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  public SnapStartHooks snapStart() {
    return snapStart;
  }

  /** Both routes for an org that cannot exist: answered 404 before Stripe is called. */
  private void prime() {
    handleRequest(PrimingEvents.request("GET", "/wallet", "GET /wallet", orgClaim, null, null), null);
    handleRequest(PrimingEvents.request("POST", "/wallet/top-ups", "POST /wallet/top-ups", orgClaim,
        "{\"amountPence\":5000}", null), null);
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    ApiRequest request = new ApiRequest(event);
    return ApiResponses.handle(() -> {
      OrgId org = request.orgId(orgClaim);
      switch (request.routeKey()) {
        case "POST /wallet/top-ups": {
          request.queryParameters(Set.of());
          TopUpCheckout.Session session =
              topUp.start(org, request.jsonBody(), request.header("Idempotency-Key"));
          return ApiResponses.json(201, Json.obj("checkoutUrl", session.url(), "sessionId", session.id()));
        }
        case "GET /wallet": {
          var query = request.queryParameters(STATEMENT_PARAMETERS);
          return ApiResponses.json(200, statement.read(org, Optional.ofNullable(query.get("limit")),
              Optional.ofNullable(query.get("cursor"))).toJson());
        }
        default:
          throw new SwitchboardException(ErrorCode.METHOD_NOT_ALLOWED,
              "this function answers POST /wallet/top-ups and GET /wallet");
      }
    }, request.requestId(), context);
  }
}
