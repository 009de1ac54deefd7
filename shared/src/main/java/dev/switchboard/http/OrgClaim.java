package dev.switchboard.http;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the org id among JWT claims. API Gateway's JWT authorizer hands claims over as
 * strings: a nested object arrives either as JSON or in Go's {@code map[key:value]} form,
 * so "app_metadata.org_id" is looked for literally first, then inside its parent claim.
 */
final class OrgClaim {
  private OrgClaim() {}

  static Optional<String> find(Map<String, String> claims, String claimName) {
    String direct = claims.get(claimName);
    if (direct != null && !direct.isBlank()) {
      return Optional.of(direct.trim());
    }
    int dot = claimName.indexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    String parent = claims.get(claimName.substring(0, dot));
    if (parent == null) {
      return Optional.empty();
    }
    String rest = claimName.substring(dot + 1);
    String trimmed = parent.trim();
    if (trimmed.startsWith("{")) {
      try {
        return Json.parseObject(trimmed).stringAt(rest);
      } catch (JsonException e) {
        return Optional.empty();
      }
    }
    if (trimmed.startsWith("map[") && trimmed.endsWith("]") && rest.indexOf('.') < 0) {
      // Go's fmt of map[string]interface{}: "map[org_id:abc other:x]"
      for (String pair : trimmed.substring(4, trimmed.length() - 1).split(" ")) {
        int colon = pair.indexOf(':');
        if (colon > 0 && pair.substring(0, colon).equals(rest)) {
          return Optional.of(pair.substring(colon + 1));
        }
      }
    }
    return Optional.empty();
  }
}
