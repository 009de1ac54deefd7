package dev.switchboard.function.authorizer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.switchboard.auth.AuthorizerConfig;
import dev.switchboard.auth.JwksKeys;
import dev.switchboard.auth.TokenRejected;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import dev.switchboard.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP API's Lambda authorizer (payload format 2.0, simple responses): verifies the
 * bearer token of the {@code Authorization} identity source ({@link TokenVerifier}) and answers
 * {@code {"isAuthorized": true, "context": {"orgId": ..., "sub": ...}}}, which API Gateway
 * hands to the route's function as {@code requestContext.authorizer.lambda}; or
 * {@code {"isAuthorized": false}} (API Gateway answers 403 and caches the refusal for the
 * TTL, as it caches a success). An outage of the issuer's key set or of Secrets Manager is an
 * error instead: API Gateway answers 500 and caches nothing, since the token may be fine.
 *
 * <p>A stream handler: the event is read with our own JSON reader, so the cold start pays for
 * neither the runtime's event classes nor reflection.
 */
public final class AuthorizerHandler implements RequestStreamHandler {
  private static final Log LOG = Log.of(AuthorizerHandler.class);
  static final String DENY = "{\"isAuthorized\":false}";

  private final TokenVerifier verifier;
  private final AuthorizerSnapStart snapStart;

  /** The Lambda runtime's constructor: configuration read, checked and kept once per container. */
  public AuthorizerHandler() {
    this(Settings.fromEnvironment(), Clock.systemUTC());
  }

  public AuthorizerHandler(Settings settings, Clock clock) {
    this.verifier = new TokenVerifier(AuthorizerConfig.from(settings), clock);
    this.snapStart = new AuthorizerSnapStart(this, settings).register();
  }

  /** The SnapStart hooks (tests call them as the runtime would). */
  AuthorizerSnapStart snapStart() {
    return snapStart;
  }

  TokenVerifier verifier() {
    return verifier;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
    String answer = Log.inRequest(context == null ? null : context.getAwsRequestId(), () -> decide(event));
    output.write(answer.getBytes(StandardCharsets.UTF_8));
  }

  /** The simple response for one authorizer event. */
  String decide(String event) {
    String token;
    try {
      token = identity(Json.parseObject(event));
    } catch (JsonException e) {
      LOG.warn("authorizer.refused", "reason", "malformed_event");
      return DENY;
    }
    try {
      TokenVerifier.VerifiedToken verified = verifier.verify(token);
      Map<String, Object> context = new LinkedHashMap<>();
      context.put("orgId", verified.orgId().toString());
      verified.subject().ifPresent(sub -> context.put("sub", sub));
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("isAuthorized", true);
      answer.put("context", context);
      return Json.write(answer);
    } catch (TokenRejected e) {
      LOG.info("authorizer.refused", "reason", e.reason());
      return DENY;
    } catch (JwksKeys.KeysUnavailable | IllegalStateException e) {
      LOG.error("authorizer.failed", e);
      throw e;
    }
  }

  /**
   * The token: the first identity source ({@code $request.header.Authorization}), or the
   * header itself when the event carries none (an invocation without API Gateway).
   */
  private static String identity(JsonObject event) {
    Object sources = event.asMap().get("identitySource");
    if (sources instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof String s) {
      return s;
    }
    return event.optObject("headers").flatMap(h -> h.asMap().entrySet().stream()
            .filter(e -> e.getKey().equalsIgnoreCase("authorization") && e.getValue() instanceof String)
            .map(e -> (String) e.getValue()).findFirst())
        .orElse(null);
  }
}
