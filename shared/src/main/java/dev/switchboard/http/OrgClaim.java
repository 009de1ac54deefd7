package dev.switchboard.http;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.log.Log;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds the org id among the JWT claims API Gateway's JWT authorizer passes on, refusing
 * anything that could be read two ways.
 *
 * <p>That authorizer hands claims over as strings: a nested object arrives either as JSON or
 * in Go's {@code map[key:value other:value]} form, keys sorted, values unquoted, a space inside
 * a value printed as it is. So for a nested name ("app_metadata.org_id"):
 * <ul>
 *   <li>the JSON form is read as JSON (unambiguous);</li>
 *   <li>the Go form is read only when it is exactly {@code map[org_id:<uuid>]}, the claim
 *       object holding nothing else: beside any other entry, a user who may edit a sibling
 *       string (a display name {@code "x org_id:<victim>"}) prints exactly what a real entry
 *       prints. Anything else is refused, with a log line telling the operator to have the
 *       identity provider emit the organisation as a top-level claim (or to use the Lambda
 *       authorizer, which reads the token itself);</li>
 *   <li>a top-level claim literally named "app_metadata.org_id" is read only when there is
 *       no parent claim; both at once is refused;</li>
 *   <li>a namespaced name ({@code https://example.com/org_id}, Auth0's advice for custom
 *       claims) is one top-level claim, its dots not split.</li>
 * </ul>
 * A refusal is 401: the token does not say unambiguously which organisation it speaks for.
 */
final class OrgClaim {
  private static final Log LOG = Log.of(OrgClaim.class);
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private OrgClaim() {}

  /** The claim's value; empty when the token has none; 401 when it is ambiguous. */
  static Optional<String> find(Map<String, String> claims, String claimName) {
    String direct = claims.get(claimName);
    int dot = claimName.indexOf('.');
    if (dot < 0 || claimName.contains("://")) { // a namespaced name (https://example.com/org_id) is one claim
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
    if (trimmed.startsWith("map[")) {
      return Optional.of(fromGoMap(trimmed, claimName, rest));
    }
    return Optional.empty();
  }

  /** Only {@code map[<key>:<uuid>]}: one entry, the key the claim names, a uuid. */
  private static String fromGoMap(String rendered, String claimName, String key) {
    String prefix = "map[" + key + ":";
    if (key.indexOf('.') < 0 && rendered.startsWith(prefix) && rendered.endsWith("]")) {
      String value = rendered.substring(prefix.length(), rendered.length() - 1);
      if (UUID_TEXT.matcher(value).matches()) {
        return value;
      }
    }
    LOG.warn("auth.org_claim.go_map_refused", "claim", claimName,
        "action", "API Gateway's JWT authorizer passed this nested claim on as a Go map other than exactly"
            + " map[" + key + ":<uuid>], a form a user-editable sibling value can forge: have the identity"
            + " provider emit the organisation id as a top-level claim (ORG_ID_CLAIM without a dot), or use"
            + " the lambda authorizer mode, which reads the token itself");
    throw ambiguous("a nested claim passed on as a Go map other than map[" + key + ":<uuid>]");
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static SwitchboardException ambiguous(String why) {
    return new SwitchboardException(ErrorCode.UNAUTHORIZED,
        "the token's organisation claim is ambiguous (" + why + ")");
  }
}
