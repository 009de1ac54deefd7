package dev.switchboard.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds the event API Gateway's HTTP API sends a function (payload format 2.0) from a local
 * request: routeKey, rawPath, rawQueryString, cookies, headers lower-cased (repeated ones
 * joined with commas), queryStringParameters, pathParameters, requestContext (http method,
 * path, source ip, requestId, time) and the body, raw for text and base64 for anything else.
 */
final class HttpApiEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  private HttpApiEvents() {}

  /** A request as the local server received it. */
  record Request(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
      byte[] body, String sourceIp) {}

  static ObjectNode build(Request request, HttpRoute route, Map<String, String> pathParameters,
      Optional<Map<String, String>> jwtClaims, String requestId, Instant now) {
    return build(request, route, pathParameters, jwtClaims, Optional.empty(), requestId, now);
  }

  /**
   * The event for the route's function; {@code jwtClaims} when API Gateway's JWT authorizer let
   * the request in, {@code lambdaContext} when our Lambda authorizer did (its answer's context).
   */
  static ObjectNode build(Request request, HttpRoute route, Map<String, String> pathParameters,
      Optional<Map<String, String>> jwtClaims, Optional<Map<String, Object>> lambdaContext, String requestId,
      Instant now) {
    ObjectNode event = JSON.createObjectNode();
    event.put("version", "2.0");
    event.put("routeKey", route.routeKey());
    event.put("rawPath", request.rawPath());
    event.put("rawQueryString", request.rawQuery() == null ? "" : request.rawQuery());

    Map<String, String> headers = new LinkedHashMap<>();
    request.headers().forEach((name, values) -> {
      if (name != null) {
        headers.merge(name.toLowerCase(Locale.ROOT), String.join(",", values), (a, b) -> a + "," + b);
      }
    });
    String cookieHeader = headers.remove("cookie");
    if (cookieHeader != null && !cookieHeader.isBlank()) {
      ArrayNode cookies = event.putArray("cookies");
      for (String c : cookieHeader.split(";")) {
        if (!c.isBlank()) {
          cookies.add(c.trim());
        }
      }
    }
    ObjectNode headerNode = event.putObject("headers");
    headers.forEach(headerNode::put);

    Map<String, String> query = query(request.rawQuery());
    if (!query.isEmpty()) {
      ObjectNode q = event.putObject("queryStringParameters");
      query.forEach(q::put);
    }
    if (!pathParameters.isEmpty()) {
      ObjectNode p = event.putObject("pathParameters");
      pathParameters.forEach(p::put);
    }

    ObjectNode context = event.putObject("requestContext");
    context.put("accountId", "123456789012");
    context.put("apiId", "local");
    if (lambdaContext.isPresent()) {
      context.putObject("authorizer").set("lambda", JSON.valueToTree(lambdaContext.get()));
    }
    if (jwtClaims.isPresent()) {
      ObjectNode jwt = context.putObject("authorizer").putObject("jwt");
      ObjectNode claims = jwt.putObject("claims");
      jwtClaims.get().forEach(claims::put);
      String scope = jwtClaims.get().get("scope");
      if (scope != null && !scope.isBlank()) {
        ArrayNode scopes = jwt.putArray("scopes");
        for (String s : scope.trim().split("\\s+")) {
          scopes.add(s);
        }
      } else {
        jwt.putNull("scopes");
      }
    }
    String host = headers.getOrDefault("host", "localhost");
    context.put("domainName", host);
    context.put("domainPrefix", host.split("[.:]", 2)[0]);
    ObjectNode http = context.putObject("http");
    http.put("method", request.method());
    http.put("path", request.rawPath());
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", request.sourceIp());
    http.put("userAgent", headers.getOrDefault("user-agent", ""));
    context.put("requestId", requestId);
    context.put("routeKey", route.routeKey());
    context.put("stage", "$default");
    context.put("time", TIME.format(now));
    context.put("timeEpoch", now.toEpochMilli());

    if (request.body() != null && request.body().length > 0) {
      if (isText(headers.get("content-type"))) {
        event.put("body", new String(request.body(), StandardCharsets.UTF_8));
        event.put("isBase64Encoded", false);
      } else {
        event.put("body", Base64.getEncoder().encodeToString(request.body()));
        event.put("isBase64Encoded", true);
      }
    } else {
      event.put("isBase64Encoded", false);
    }
    return event;
  }

  /**
   * The payload 2.0 event API Gateway sends a Lambda authorizer (simple responses): the
   * request as the function would see it, without body or authorizer, plus {@code type},
   * {@code routeArn} and the identity source's value ({@code $request.header.Authorization}).
   */
  static ObjectNode authorizerEvent(Request request, HttpRoute route, Map<String, String> pathParameters,
      String requestId, Instant now, String authorization) {
    ObjectNode event = build(request, route, pathParameters, Optional.empty(), requestId, now);
    event.remove("body");
    event.remove("isBase64Encoded");
    ObjectNode ordered = JSON.createObjectNode();
    ordered.put("version", "2.0");
    ordered.put("type", "REQUEST");
    ordered.put("routeArn", "arn:aws:execute-api:us-east-1:123456789012:local/$default/" + route.method() + route.path());
    ordered.putArray("identitySource").add(authorization);
    event.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("version")) {
        ordered.set(e.getKey(), e.getValue());
      }
    });
    return ordered;
  }

  /** A request id in API Gateway's shape (base64 of 10 bytes). */
  static String newRequestId() {
    UUID u = UUID.randomUUID();
    byte[] b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits()).array();
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b, 10));
  }

  /** Query parameters decoded; a repeated name has its values joined with commas, as API Gateway does. */
  static Map<String, String> query(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.merge(name, value, (a, b) -> a + "," + b);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s; // a malformed escape reaches the function as sent
    }
  }

  /** Text bodies reach the function as they are; anything else base64-encoded. */
  static boolean isText(String contentType) {
    if (contentType == null) {
      return true; // curl -d without a type: API Gateway passes text through
    }
    String t = contentType.toLowerCase(Locale.ROOT);
    return t.startsWith("text/") || t.contains("json") || t.contains("xml")
        || t.startsWith("application/x-www-form-urlencoded") || t.contains("javascript")
        || t.startsWith("application/graphql");
  }
}
