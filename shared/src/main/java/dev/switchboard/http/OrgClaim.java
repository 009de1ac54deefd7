package dev.switchboard.http;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the org id among JWT claims, refusing anything that could be read two ways.
 *
 * <p>API Gateway's JWT authorizer hands claims over as strings: a nested object arrives
 * either as JSON or in Go's {@code map[key:value other:value]} form, where a value holding a
 * space is printed as it is. So for a nested name ("app_metadata.org_id"):
 * <ul>
 *   <li>the JSON form is read as JSON (unambiguous);</li>
 *   <li>the Go-map form is read only when the key occurs exactly once at the start of an
 *       entry and its value is followed by another {@code key:value} entry or the end: a user
 *       who can edit a sibling string (a display name {@code "x org_id:<victim>"}) makes the
 *       key occur twice, which is refused, not resolved by order;</li>
 *   <li>a top-level claim literally named "app_metadata.org_id" is read only when there is
 *       no parent claim; both at once is refused.</li>
 * </ul>
 * A refusal is 401: the token does not say unambiguously which organisation it speaks for.
 */
final class OrgClaim {
  private OrgClaim() {}

  /** The claim's value; empty when the token has none; 401 when it is ambiguous. */
  static Optional<String> find(Map<String, String> claims, String claimName) {
    String direct = claims.get(claimName);
    int dot = claimName.indexOf('.');
    if (dot < 0) {
      return nonBlank(direct);
    }
    String parent = claims.get(claimName.substring(0, dot));
    if (parent == null) {
      return nonBlank(direct);
    }
    if (direct != null) {
      throw ambiguous("both a claim named " + claimName + " and its parent claim");
    }
    String rest = claimName.substring(dot + 1);
    String trimmed = parent.trim();
    if (trimmed.startsWith("{")) {
      try {
        return Json.parseObject(trimmed).stringAt(rest).flatMap(OrgClaim::nonBlank);
      } catch (JsonException e) {
        return Optional.empty();
      }
    }
    if (trimmed.startsWith("map[") && trimmed.endsWith("]") && rest.indexOf('.') < 0) {
      return fromGoMap(trimmed.substring(4, trimmed.length() - 1), rest);
    }
    return Optional.empty();
  }

  /** Go's fmt of map[string]interface{}: "org_id:abc plan:pro", keys sorted, values unquoted. */
  private static Optional<String> fromGoMap(String entries, String key) {
    String[] tokens = entries.split(" ", -1);
    String prefix = key + ":";
    String value = null;
    int found = 0;
    for (int i = 0; i < tokens.length; i++) {
      if (!tokens[i].startsWith(prefix)) {
        continue;
      }
      found++;
      value = tokens[i].substring(prefix.length());
      // the next token must start another entry; one without a colon is the rest of this value
      if (i + 1 < tokens.length && tokens[i + 1].indexOf(':') <= 0) {
        throw ambiguous("the " + key + " value holds a space");
      }
    }
    if (found > 1) {
      throw ambiguous(key + " occurs " + found + " times");
    }
    if (value != null && (value.indexOf(':') >= 0 || value.indexOf('[') >= 0 || value.indexOf(']') >= 0)) {
      throw ambiguous("the " + key + " value holds a separator");
    }
    return nonBlank(value);
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static SwitchboardException ambiguous(String why) {
    return new SwitchboardException(ErrorCode.UNAUTHORIZED,
        "the token's organisation claim is ambiguous (" + why + ")");
  }
}
