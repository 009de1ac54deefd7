package dev.switchboard.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Harmless HTTP API events for SnapStart priming: they run a handler's real path (parsing,
 * JWT claims, SQL, JSON) for an organisation that cannot exist, so the answer is a 404 and
 * nothing is written and no provider is called.
 */
public final class PrimingEvents {
  /** A version-4-shaped uuid no organisation has: the nil uuid with the version bits set. */
  public static final String NO_SUCH_ORG = "00000000-0000-4000-8000-000000000000";
  /** API Gateway's request id of every priming request: what ApiResponses knows a priming by. */
  public static final String REQUEST_ID = "snapstart-priming";

  private PrimingEvents() {}

  public static APIGatewayV2HTTPEvent request(String method, String path, String routeKey, String orgClaim,
                                              String body, Map<String, String> pathParameters) {
    Map<String, String> claims = new HashMap<>();
    claims.put(orgClaim, NO_SUCH_ORG);
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", "application/json");
    return APIGatewayV2HTTPEvent.builder()
        .withVersion("2.0")
        .withRouteKey(routeKey)
        .withRawPath(path)
        .withHeaders(headers)
        .withPathParameters(pathParameters)
        .withBody(body)
        .withIsBase64Encoded(false)
        .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
            .withRequestId(REQUEST_ID)
            .withRouteKey(routeKey)
            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
            .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                .withJwt(APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(claims).build())
                .build())
            .build())
        .build();
  }
}
