package dev.switchboard.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An API Gateway HTTP API (payload 2.0) request, read safely: header names in any case,
 * the body decoded from base64 where API Gateway encoded it, and the org id taken from what
 * the authorizer verified.
 */
public final class ApiRequest {
  /** Larger bodies are refused before parsing; no request of ours needs more. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private final APIGatewayV2HTTPEvent event;

  public ApiRequest(APIGatewayV2HTTPEvent event) {
    if (event == null) {
      throw SwitchboardException.invalid("empty event");
    }
    this.event = event;
  }

  public APIGatewayV2HTTPEvent event() {
    return event;
  }

  /** "GET /phone-numbers" as the route key names it, or built from method and path. */
  public String routeKey() {
    String key = event.getRouteKey();
    if (key != null && !key.isBlank() && !"$default".equals(key)) {
      return key;
    }
    return method() + " " + event.getRawPath();
  }

  public String method() {
    if (event.getRequestContext() != null && event.getRequestContext().getHttp() != null) {
      String m = event.getRequestContext().getHttp().getMethod();
      if (m != null) {
        return m.toUpperCase(Locale.ROOT);
      }
    }
    return "";
  }

  public String requestId() {
    if (event.getRequestContext() != null && event.getRequestContext().getRequestId() != null) {
      return event.getRequestContext().getRequestId();
    }
    return "";
  }

  public Optional<String> header(String name) {
    Map<String, String> headers = event.getHeaders();
    if (headers == null) {
      return Optional.empty();
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
        return Optional.ofNullable(e.getValue());
      }
    }
    return Optional.empty();
  }

  public Optional<String> pathParameter(String name) {
    Map<String, String> params = event.getPathParameters();
    return params == null ? Optional.empty() : Optional.ofNullable(params.get(name));
  }

  public Map<String, String> queryParameters() {
    Map<String, String> params = event.getQueryStringParameters();
    return params == null ? Map.of() : params;
  }

  /**
   * The query parameters, refusing any name not in {@code allowed} with a 400 that names it:
   * a misspelt parameter ("limt") is an error the client should see, never silently ignored.
   */
  public Map<String, String> queryParameters(Set<String> allowed) {
    Map<String, String> params = queryParameters();
    for (String name : params.keySet()) {
      if (!allowed.contains(name)) {
        throw SwitchboardException.invalidField(name, allowed.isEmpty()
            ? "this route takes no query parameters"
            : "unknown query parameter \"" + name + "\"");
      }
    }
    return params;
  }

  /** The body exactly as the client sent it, as bytes (base64 undone), at most 64 KiB. */
  public byte[] rawBody() {
    return rawBody(MAX_BODY_BYTES, ErrorCode.INVALID_REQUEST);
  }

  /**
   * The body exactly as the client sent it (API Gateway may have base64-encoded it): what a
   * signature is computed over. Larger than {@code maxBytes}: 413; bad base64: {@code malformed}.
   */
  public byte[] rawBody(int maxBytes, ErrorCode malformed) {
    String body = event.getBody();
    if (body == null) {
      return new byte[0];
    }
    if (body.length() > maxBytes * 2L) {
      throw tooLarge(maxBytes);
    }
    byte[] bytes;
    if (event.getIsBase64Encoded()) {
      try {
        bytes = Base64.getDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new SwitchboardException(malformed, "the body is not valid base64");
      }
    } else {
      bytes = body.getBytes(StandardCharsets.UTF_8);
    }
    if (bytes.length > maxBytes) {
      throw tooLarge(maxBytes);
    }
    return bytes;
  }

  public String body() {
    return new String(rawBody(), StandardCharsets.UTF_8);
  }

  /** The body as a JSON object; a missing or malformed body is a 400 naming the problem. */
  public JsonObject jsonBody() {
    header("content-type").ifPresent(type -> {
      String t = type.toLowerCase(Locale.ROOT);
      if (!t.startsWith("application/json") && !t.contains("+json")) {
        throw new SwitchboardException(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
      }
    });
    String body = body();
    if (body.isBlank()) {
      throw SwitchboardException.invalid("a JSON body is required");
    }
    try {
      return Json.parseObject(body);
    } catch (JsonException e) {
      throw Requests.invalid(e);
    }
  }

  /** The key under which our Lambda authorizer hands the verified org id to the functions. */
  public static final String AUTHORIZER_ORG_ID = "orgId";

  /**
   * The caller's organisation, the same way whichever authorizer checked the token: API
   * Gateway's JWT authorizer ({@code requestContext.authorizer.jwt.claims}, the claim looked up
   * by its dotted name, "org_id" or "app_metadata.org_id") or our Lambda authorizer
   * ({@code requestContext.authorizer.lambda.orgId}: it read the configured claim from the
   * verified token itself). None, both, or not a uuid: 401.
   */
  public OrgId orgId(String claimName) {
    var ctx = event.getRequestContext();
    var authorizer = ctx == null ? null : ctx.getAuthorizer();
    Map<String, Object> lambda = authorizer == null ? null : authorizer.getLambda();
    Map<String, String> claims = authorizer == null || authorizer.getJwt() == null
        ? null : authorizer.getJwt().getClaims();
    String value;
    if (lambda != null) {
      if (claims != null) {
        throw new SwitchboardException(ErrorCode.UNAUTHORIZED, "the request carries two authorizers' answers");
      }
      value = lambda.get(AUTHORIZER_ORG_ID) instanceof String s && !s.isBlank() ? s.trim() : null;
    } else {
      value = OrgClaim.find(claims == null ? Map.of() : claims, claimName).orElse(null);
    }
    if (value == null) {
      throw new SwitchboardException(ErrorCode.UNAUTHORIZED, "the token carries no organisation claim");
    }
    return OrgId.parse(value).orElseThrow(() -> new SwitchboardException(
        ErrorCode.UNAUTHORIZED, "the token's organisation claim is not a valid id"));
  }

  private static SwitchboardException tooLarge(int maxBytes) {
    return new SwitchboardException(
        ErrorCode.PAYLOAD_TOO_LARGE, "the body is larger than " + maxBytes + " bytes");
  }
}
