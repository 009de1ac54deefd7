package dev.switchboard.function.release;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.Ids;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.ApiRequest;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.http.PrimingEvents;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ReleaseNumber;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** DELETE /phone-numbers/{id}: the six-step release. */
public final class ReleaseNumberHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  private final ReleaseNumber release;
  private final String orgClaim;
  private final SnapStartHooks snapStart;

  /** The Lambda runtime's constructor: everything built once per container. */
  public ReleaseNumberHandler() {
    this(Settings.fromEnvironment(), SagaHooks.NONE);
  }

  public ReleaseNumberHandler(Settings settings, SagaHooks hooks) {
    this(Platform.from(settings), settings, hooks);
  }

  private ReleaseNumberHandler(Platform platform, Settings settings, SagaHooks hooks) {
    Telephony telephony = TwilioTelephony.from(settings);
    this.release = new ReleaseNumber(platform.database(), telephony, VapiVoicePlatform.from(settings),
        NumberSettings.from(settings), hooks);
    this.orgClaim = platform.orgClaim();
    this.snapStart = new SnapStartHooks(platform, () -> {
      telephony.primeOffline();
      prime();
    }, List.of()).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  public SnapStartHooks snapStart() {
    return snapStart;
  }

  /** The lookup path for an org that cannot exist: answered 404 before any provider call. */
  private void prime() {
    String id = PrimingEvents.NO_SUCH_ORG;
    handleRequest(PrimingEvents.request("DELETE", "/phone-numbers/" + id, "DELETE /phone-numbers/{id}", orgClaim,
        null, Map.of("id", id)), null);
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    ApiRequest request = new ApiRequest(event);
    return ApiResponses.handle(() -> {
      if (!"DELETE".equals(request.method()) && !request.routeKey().startsWith("DELETE ")) {
        throw SwitchboardException.notFound("route");
      }
      OrgId orgId = request.orgId(orgClaim);
      request.queryParameters(Set.of());
      // a malformed id cannot name any number: the same 404 as an unknown one
      UUID numberId = request.pathParameter("id").flatMap(Ids::parseUuid)
          .orElseThrow(() -> SwitchboardException.notFound("phone number"));
      return release.release(orgId, numberId).toResponse();
    }, request.requestId(), context);
  }
}
