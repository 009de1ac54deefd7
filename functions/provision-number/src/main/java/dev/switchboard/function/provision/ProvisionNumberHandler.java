package dev.switchboard.function.provision;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Credential;
import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.ApiRequest;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ProvisionNumber;
import dev.switchboard.numbers.ProvisionRequest;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.numbers.SearchAvailableNumbers;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.VoicePlatform;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.http.PrimingEvents;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** POST /phone-numbers (the provisioning saga) and GET /phone-numbers/available (search). */
public final class ProvisionNumberHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
  /** Printable ASCII, as clients generate keys (uuids, ulids, hashes). */
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

  private final ProvisionNumber provision;
  private final SearchAvailableNumbers search;
  private final String orgClaim;
  private final SnapStartHooks snapStart;

  /** The Lambda runtime's constructor: everything built once per container. */
  public ProvisionNumberHandler() {
    this(Settings.fromEnvironment(), SagaHooks.NONE);
  }

  public ProvisionNumberHandler(Settings settings, SagaHooks hooks) {
    this(Platform.from(settings), TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        SecretCipher.from(new Credential(settings, "ENCRYPTION_KEY")), NumberSettings.from(settings), hooks);
  }

  private ProvisionNumberHandler(Platform platform, Telephony telephony, VoicePlatform voice, SecretCipher cipher,
                                 NumberSettings numbers, SagaHooks hooks) {
    this.provision = new ProvisionNumber(platform.database(), telephony, voice, cipher, numbers, hooks);
    this.search = new SearchAvailableNumbers(platform.database(), telephony, numbers.searches());
    this.orgClaim = platform.orgClaim();
    this.snapStart = new SnapStartHooks(platform, () -> {
      telephony.primeOffline();
      prime();
    }, List.of(cipher::reseed)).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  public SnapStartHooks snapStart() {
    return snapStart;
  }

  /** Both routes' validation and lookup paths, for an org that cannot exist: no purchase, no write. */
  private void prime() {
    handleRequest(PrimingEvents.request("POST", "/phone-numbers", "POST /phone-numbers", orgClaim,
        "{\"country\":\"US\",\"numberType\":\"local\",\"direction\":\"inbound\"}", null), null);
    handleRequest(PrimingEvents.request("GET", "/phone-numbers/available", "GET /phone-numbers/available", orgClaim,
        null, null), null);
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    ApiRequest request = new ApiRequest(event);
    return ApiResponses.handle(() -> {
      switch (request.routeKey()) {
        case "POST /phone-numbers": {
          OrgId org = request.orgId(orgClaim);
          request.queryParameters(Set.of());
          return provision.provision(org, ProvisionRequest.parse(request.jsonBody()), idempotencyKey(request))
              .toResponse();
        }
        case "GET /phone-numbers/available":
          return ApiResponses.json(200, search.search(request.orgId(orgClaim),
              SearchAvailableNumbers.parse(request.queryParameters())));
        default:
          throw SwitchboardException.notFound("route");
      }
    }, request.requestId(), context);
  }

  private static Optional<String> idempotencyKey(ApiRequest request) {
    Optional<String> key = request.header("idempotency-key");
    if (key.isPresent() && !IDEMPOTENCY_KEY.matcher(key.get()).matches()) {
      throw SwitchboardException.invalidField("Idempotency-Key",
          "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    return key;
  }
}
