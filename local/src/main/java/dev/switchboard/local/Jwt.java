package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bearer JWT's claims, decoded but NOT verified (as {@code sam local start-api} does), and
 * flattened the way API Gateway's JWT authorizer hands them to a function: every claim a
 * string, objects and arrays as their JSON text.
 */
final class Jwt {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Jwt() {}

  /** The claims of {@code Authorization: Bearer <jwt>}; empty when absent or not a JWT. */
  static Optional<Map<String, String>> claims(String authorizationHeader) {
    if (authorizationHeader == null) {
      return Optional.empty();
    }
    String value = authorizationHeader.trim();
    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      value = value.substring(7).trim();
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    JsonNode payload;
    try {
      payload = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | java.io.IOException e) {
      return Optional.empty();
    }
    if (payload == null || !payload.isObject()) {
      return Optional.empty();
    }
    Map<String, String> claims = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> claim : payload.properties()) {
      JsonNode v = claim.getValue();
      claims.put(claim.getKey(), v.isContainerNode() ? v.toString() : v.asText());
    }
    return Optional.of(claims);
  }
}
