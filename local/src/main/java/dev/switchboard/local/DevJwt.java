package dev.switchboard.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * A token for the local API only: unsigned ({@code alg: none}), carrying the org id in the
 * claim the functions read ({@code ORG_ID_CLAIM}, nested claims such as
 * {@code app_metadata.org_id} as nested objects). start-api decodes it without verifying, as
 * {@code sam local start-api} does; API Gateway would refuse it. It carries no time claims,
 * so the same organisation always gets the same token (the README's curl block uses it as is).
 */
final class DevJwt {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DevJwt() {}

  static String forOrg(UUID orgId, String orgClaim) {
    ObjectNode header = JSON.createObjectNode().put("alg", "none").put("typ", "JWT");
    ObjectNode claims = JSON.createObjectNode()
        .put("sub", "local-developer")
        .put("iss", "switchboard-local")
        .put("aud", "switchboard");
    ObjectNode parent = claims;
    String[] path = orgClaim.split("\\.");
    for (int i = 0; i < path.length - 1; i++) {
      parent = parent.putObject(path[i]);
    }
    parent.put(path[path.length - 1], orgId.toString());
    return encode(header.toString()) + "." + encode(claims.toString()) + ".";
  }

  private static String encode(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
