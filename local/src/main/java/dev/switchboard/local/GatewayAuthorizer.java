package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.auth.AuthorizerConfig;
import dev.switchboard.auth.JwksKeys;
import dev.switchboard.auth.TokenRejected;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.Settings;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What API Gateway does before a function runs on a route behind the API's authorizer, in
 * the mode the template's {@code AuthorizerMode} names (docs/auth.md):
 *
 * <ul>
 *   <li>{@link Jwt}: API Gateway's JWT authorizer. The token is verified (signature, issuer,
 *       audience or {@code client_id}, {@code exp}/{@code nbf}); a refusal is 401
 *       {@code {"message":"Unauthorized"}}; the claims reach the function as strings, objects
 *       and lists in Go's {@code map[k:v]} / {@code [a b]} form as API Gateway prints them.
 *       Locally the issuer is the local one (HS256 with the dev key), the one deviation from
 *       API Gateway, which accepts RSA-signed tokens only.</li>
 *   <li>{@link Lambda}: our AuthorizerFunction, invoked with the payload 2.0 authorizer event;
 *       {@code isAuthorized: true} hands its {@code context} to the function as
 *       {@code requestContext.authorizer.lambda}, {@code false} is 403
 *       {@code {"message":"Forbidden"}}, a failure or a malformed answer 500; the answer is
 *       kept per {@code Authorization} header for the cache TTL, refusals included.</li>
 * </ul>
 * Without an {@code Authorization} header (the identity source) it is 401 in both modes, and
 * no authorizer runs.
 */
interface GatewayAuthorizer {
  ObjectMapper JSON = new ObjectMapper();

  /** The decision for a request on an authorized route; {@code authorizerEvent} builds the 2.0 authorizer event. */
  Decision authorize(String authorization, Function<String, ObjectNode> authorizerEvent);

  /** Let in (with what the function receives), or answered here with API Gateway's status and body. */
  record Decision(int status, String body, Optional<Map<String, String>> jwtClaims,
      Optional<Map<String, Object>> lambdaContext) {
    static Decision refused(int status, String message) {
      return new Decision(status, "{\"message\":\"" + message + "\"}", Optional.empty(), Optional.empty());
    }

    boolean allowed() {
      return status == 200;
    }
  }

  Decision UNAUTHORIZED = Decision.refused(401, "Unauthorized");

  /** API Gateway's JWT authorizer over a {@link TokenVerifier}. */
  final class Jwt implements GatewayAuthorizer {
    private final TokenVerifier verifier;

    Jwt(TokenVerifier verifier) {
      this.verifier = verifier;
    }

    /** The local issuer: HS256 tokens signed with the dev key (docs/local.md). */
    static Jwt local(String devKey, Clock clock) {
      return new Jwt(new TokenVerifier(AuthorizerConfig.from(Settings.of(Map.of(
          "AUTHORIZER_ISSUER", DevJwt.ISSUER, "AUTHORIZER_AUDIENCE", DevJwt.AUDIENCE,
          "AUTHORIZER_ALGORITHMS", "HS256", "AUTHORIZER_HS256_SECRET", devKey,
          "AUTHORIZER_LEEWAY_SECONDS", "0"))), clock));
    }

    /** A real issuer as API Gateway accepts one: RSA algorithms, keys from its JWKS, no leeway. */
    static Jwt issuer(String issuer, List<String> audiences, String jwksUrl, Clock clock) {
      return new Jwt(new TokenVerifier(AuthorizerConfig.from(Settings.of(Map.of(
          "AUTHORIZER_ISSUER", issuer, "AUTHORIZER_AUDIENCE", String.join(",", audiences),
          "AUTHORIZER_ALGORITHMS", "RS256,RS384,RS512", "AUTHORIZER_JWKS_URL", jwksUrl,
          "AUTHORIZER_LEEWAY_SECONDS", "0"))), clock));
    }

    @Override
    public Decision authorize(String authorization, Function<String, ObjectNode> authorizerEvent) {
      if (authorization == null || authorization.isBlank()) {
        return UNAUTHORIZED;
      }
      try {
        Map<String, Object> claims = verifier.check(authorization);
        return new Decision(200, null, Optional.of(flatten(claims)), Optional.empty());
      } catch (TokenRejected | JwksKeys.KeysUnavailable e) {
        return UNAUTHORIZED;
      }
    }

    /** Every claim as a string, as API Gateway's JWT authorizer passes them on. */
    static Map<String, String> flatten(Map<String, Object> claims) {
      Map<String, String> out = new LinkedHashMap<>();
      claims.forEach((name, value) -> out.put(name, go(value)));
      return out;
    }

    /** Go's fmt of a decoded JSON value: map[k:v] with keys sorted, [a b], numbers and booleans as text. */
    static String go(Object value) {
      if (value instanceof Map<?, ?> map) {
        StringBuilder b = new StringBuilder("map[");
        new TreeMap<>(map).forEach((k, v) -> b.append(b.length() > 4 ? " " : "").append(k).append(':').append(go(v)));
        return b.append(']').toString();
      }
      if (value instanceof List<?> list) {
        StringBuilder b = new StringBuilder("[");
        list.forEach(v -> b.append(b.length() > 1 ? " " : "").append(go(v)));
        return b.append(']').toString();
      }
      if (value instanceof java.util.Date date) {
        return Long.toString(date.getTime() / 1000);
      }
      return String.valueOf(value);
    }
  }

  /** Our Lambda authorizer, invoked as API Gateway invokes it, its answers cached per header. */
  final class Lambda implements GatewayAuthorizer {
    private final Function<String, Optional<String>> invoke;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Decision decision, Instant until) {}

    /**
     * {@code invoke} runs the authorizer function on an event and gives its answer, or empty
     * when it failed (threw, timed out).
     */
    Lambda(Function<String, Optional<String>> invoke, Duration ttl, Clock clock) {
      this.invoke = invoke;
      this.ttl = ttl;
      this.clock = clock;
    }

    @Override
    public Decision authorize(String authorization, Function<String, ObjectNode> authorizerEvent) {
      if (authorization == null || authorization.isBlank()) {
        return UNAUTHORIZED;
      }
      Instant now = clock.instant();
      Cached cached = cache.get(authorization);
      if (cached != null && now.isBefore(cached.until())) {
        return cached.decision();
      }
      Optional<String> answer = invoke.apply(authorizerEvent.apply(authorization).toString());
      if (answer.isEmpty()) {
        return Decision.refused(500, "Internal Server Error");
      }
      Decision decision = decide(answer.get());
      if (decision.status() != 500 && !ttl.isZero()) {
        cache.put(authorization, new Cached(decision, now.plus(ttl)));
      }
      return decision;
    }

    private static Decision decide(String answer) {
      JsonNode response;
      try {
        response = JSON.readTree(answer);
      } catch (IOException e) {
        return Decision.refused(500, "Internal Server Error");
      }
      if (response == null || !response.path("isAuthorized").isBoolean()) {
        return Decision.refused(500, "Internal Server Error");
      }
      if (!response.get("isAuthorized").asBoolean()) {
        return Decision.refused(403, "Forbidden");
      }
      Map<String, Object> context = new LinkedHashMap<>();
      response.path("context").properties().forEach(e -> context.put(e.getKey(),
          e.getValue().isTextual() ? e.getValue().asText() : JSON.convertValue(e.getValue(), Object.class)));
      return new Decision(200, null, Optional.empty(), Optional.of(context));
    }
  }
}
