package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * The authorizer sample in {@code events/} carries a local token signed once, at a fixed time,
 * with the tests' key: the authorizer refuses it (expired, another key), as it must refuse any
 * replayed token. When the authorizer checks the local tokens (no real issuer named),
 * {@code invoke} signs the same claims again, now, with this data directory's key, and says
 * so; with a real issuer the event goes to the function unchanged.
 */
final class DevJwtSampleSigning {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DevJwtSampleSigning() {}

  /** The event with its bearer token signed again, when it is an authorizer event carrying a local token. */
  static String signAgain(String eventJson, String key, PrintStream err) {
    JsonNode event;
    try {
      event = JSON.readTree(eventJson);
    } catch (IOException e) {
      return eventJson;
    }
    if (event == null || !"REQUEST".equals(event.path("type").asText()) || !event.path("identitySource").isArray()
        || event.path("identitySource").isEmpty()) {
      return eventJson;
    }
    String source = event.path("identitySource").get(0).asText();
    String token = source.regionMatches(true, 0, "Bearer ", 0, 7) ? source.substring(7).trim() : source;
    Map<String, Object> claims = localClaims(token);
    if (claims == null) {
      return eventJson;
    }
    Instant now = Instant.now();
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", now.plus(DevJwt.LIFETIME).getEpochSecond());
    String signed = "Bearer " + DevJwt.sign(key, claims);
    ArrayNode sources = ((ObjectNode) event).putArray("identitySource");
    sources.add(signed);
    if (event.path("headers").isObject()) {
      ObjectNode headers = (ObjectNode) event.get("headers");
      for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (name.equalsIgnoreCase("authorization")) {
          headers.put(name, signed);
        }
      }
    }
    err.println("  tokens    SANDBOX   the event's bearer token is signed again, now, with this data directory's"
        + " key (a sample's own token is old and not this key's); ./run token prints one, see docs/local.md");
    return event.toString();
  }

  /** The claims of a token the local issuer made; null for any other token. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> localClaims(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return null;
    }
    try {
      Map<String, Object> claims = JSON.readValue(
          new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8), Map.class);
      return DevJwt.ISSUER.equals(claims.get("iss")) ? claims : null;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
