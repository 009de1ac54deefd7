package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DevJwtTest {
  @Test
  void theDevJwt_carriesTheOrgIdInTheConfiguredClaim_nestedWhenDotted() {
    Map<String, String> plain = Jwt.claims("Bearer " + DevJwt.forOrg(DemoOrganization.ORG_ID, "org_id")).orElseThrow();
    Map<String, String> nested = Jwt.claims(DevJwt.forOrg(DemoOrganization.ORG_ID, "app_metadata.org_id")).orElseThrow();

    assertEquals(DemoOrganization.ORG_ID.toString(), plain.get("org_id"));
    assertEquals("{\"org_id\":\"" + DemoOrganization.ORG_ID + "\"}", nested.get("app_metadata"),
        "an object claim reaches the function as its JSON text, as API Gateway passes it");
  }

  @Test
  void theReadmesTryItToken_isTheOneStartApiPrints() throws Exception {
    String readme = Files.readString(Path.of("README.md"));

    assertTrue(readme.contains("export TOKEN=" + DevJwt.forOrg(DemoOrganization.ORG_ID, "org_id") + "\n"),
        "README.md's Try it block must carry the demo organisation's dev JWT");
  }

  @Test
  void whatIsNotAJwt_hasNoClaims() {
    assertTrue(Jwt.claims(null).isEmpty());
    assertTrue(Jwt.claims("Bearer abc").isEmpty());
    assertTrue(Jwt.claims("Bearer a.%%%.c").isEmpty());
    assertTrue(Jwt.claims("Bearer a.WzFd.c").isEmpty(), "a payload that is not an object");
  }
}
