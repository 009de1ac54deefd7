package dev.switchboard.function.listnumbers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.OrgId;
import dev.switchboard.http.ApiRequest;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.ListNumbers;
import dev.switchboard.http.PrimingEvents;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.util.List;
import java.util.Set;

/** GET /phone-numbers: the agent dropdown. */
public final class ListNumbersHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final ListNumbers listNumbers;
  private final String orgClaim;
  private final SnapStartHooks snapStart;

  /** The Lambda runtime's constructor: everything built once per container. */
  public ListNumbersHandler() {
    this(Platform.from(Settings.fromEnvironment()));
  }

  public ListNumbersHandler(Platform platform) {
    this.listNumbers = new ListNumbers(platform.database());
    this.orgClaim = platform.orgClaim();
    this.snapStart = new SnapStartHooks(platform, this::prime, List.of()).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  public SnapStartHooks snapStart() {
    return snapStart;
  }

  private void prime() {
    handleRequest(PrimingEvents.request("GET", "/phone-numbers", "GET /phone-numbers", orgClaim, null, null), null);
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    ApiRequest request = new ApiRequest(event);
    return ApiResponses.handle(() -> {
      OrgId org = request.orgId(orgClaim);
      request.queryParameters(Set.of());
      return ApiResponses.json(200, Json.obj("numbers", listNumbers.list(org)));
    }, request.requestId(), context);
  }
}
