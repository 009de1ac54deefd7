package dev.switchboard.auth;

import java.util.Map;
import java.util.Optional;

/**
 * Where the organisation id is in a verified token's claims, by the name {@code ORG_ID_CLAIM}
 * gives:
 * <ul>
 *   <li>{@code org_id}: a top-level claim;</li>
 *   <li>{@code app_metadata.org_id}: a path into object claims, dot by dot (a top-level claim
 *       literally named so is read only when the first object is absent; both at once is
 *       refused);</li>
 *   <li>{@code https://switchboard.example.com/org_id}: a namespaced claim (Auth0's advice
 *       for custom claims), a name holding {@code ://} taken whole, its dots not split.</li>
 * </ul>
 * Only a string value counts.
 */
public final class ClaimPath {
  private ClaimPath() {}

  /** The string at {@code name}; empty when absent or not a string; refused when two claims answer. */
  public static Optional<String> find(Map<String, Object> claims, String name) {
    if (isLiteral(name)) {
      return string(claims.get(name));
    }
    int dot = name.indexOf('.');
    if (dot < 0) {
      return string(claims.get(name));
    }
    Object parent = claims.get(name.substring(0, dot));
    Object literal = claims.get(name);
    if (parent == null) {
      return string(literal);
    }
    if (literal != null) {
      throw new TokenRejected("ambiguous_org_claim", "both a claim named " + name + " and its parent claim");
    }
    Object value = parent;
    for (String part : name.substring(dot + 1).split("\\.", -1)) {
      if (!(value instanceof Map<?, ?> object)) {
        return Optional.empty();
      }
      value = object.get(part);
    }
    return string(value);
  }

  /** A namespaced claim name ({@code https://example.com/org_id}): one claim, never a path. */
  public static boolean isLiteral(String name) {
    return name.contains("://");
  }

  private static Optional<String> string(Object value) {
    return value instanceof String s && !s.isBlank() ? Optional.of(s.trim()) : Optional.empty();
  }
}
