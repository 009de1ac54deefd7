package dev.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OwnStackTest {
  private static final String STACK =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-staging/6a1f3c20-cb7e-11f0-9b1e-0a5e3c7d2f11";
  private static final String QUERY = "/arn%3Aaws%3Acloudformation%3Aeu-west-2%3A123456789012%3Astack/x%7CR%7Cid"
      + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc";

  private static OwnStack of(Map<String, String> env) {
    return OwnStack.from(Settings.of(env));
  }

  @Test
  void cloudFormationsResponseBucketOfTheStacksRegion_isAccepted_inEachHostFormItUses() {
    OwnStack own = of(Map.of("STACK_ID", STACK));
    for (String host : List.of(
        "cloudformation-custom-resource-response-euwest2.s3.amazonaws.com",
        "cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com",
        "cloudformation-custom-resource-response-euwest2.s3-eu-west-2.amazonaws.com")) {
      assertEquals(Optional.empty(), own.responseUrlRefusal("https://" + host + QUERY), host);
    }
  }

  @Test
  void anyOtherResponseUrl_isRefused() {
    OwnStack own = of(Map.of("STACK_ID", STACK));
    for (String url : List.of(
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com" + QUERY, // another region
        "https://cloudformation-custom-resource-response-euwest2.s3.amazonaws.com.evil.example" + QUERY,
        "https://evil.example/cloudformation-custom-resource-response-euwest2.s3.amazonaws.com" + QUERY,
        "https://user@cloudformation-custom-resource-response-euwest2.s3.amazonaws.com" + QUERY,
        "https://cloudformation-custom-resource-response-euwest2.s3.amazonaws.com:8443" + QUERY,
        "http://cloudformation-custom-resource-response-euwest2.s3.amazonaws.com" + QUERY,
        "http://127.0.0.1:4566/answer", "http://localhost:4566/answer", "http://169.254.169.254/latest/meta-data",
        "not a url", "")) {
      assertTrue(own.responseUrlRefusal(url).isPresent(), url);
    }
  }

  @Test
  void aLoopbackReceiver_isAcceptedOnlyWithTheExplicitLocalSetting() {
    OwnStack local = of(Map.of("STACK_ID", STACK, OwnStack.LOOPBACK_RESPONSE, "allow"));
    assertEquals(Optional.empty(), local.responseUrlRefusal("http://127.0.0.1:4566/answer"));
    assertEquals(Optional.empty(), local.responseUrlRefusal("http://localhost:4566/answer"));
    assertTrue(local.responseUrlRefusal("http://169.254.169.254/latest/meta-data").isPresent(), "loopback only");
    assertTrue(of(Map.of("STACK_ID", STACK, OwnStack.LOOPBACK_RESPONSE, "true"))
        .responseUrlRefusal("http://127.0.0.1:4566/answer").isPresent(), "allow, nothing else");
  }

  @Test
  void theChinaPartition_usesItsOwnDomain() {
    OwnStack cn = of(Map.of("STACK_ID", "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/1"));
    assertEquals(Optional.empty(), cn.responseUrlRefusal(
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn" + QUERY));
    assertTrue(cn.responseUrlRefusal("https://cloudformation-custom-resource-response-cnnorth1.s3.amazonaws.com" + QUERY)
        .isPresent());
  }

  @Test
  void onlyTheConfiguredStacksEvents_areItsOwn() {
    assertEquals(Optional.empty(), of(Map.of("STACK_ID", STACK)).stackRefusal(STACK));
    assertTrue(of(Map.of("STACK_ID", STACK)).stackRefusal(STACK.replace("staging", "green")).isPresent());
    assertTrue(of(Map.of()).stackRefusal(STACK).orElseThrow().contains("STACK_ID is not set"));
  }

  @Test
  void aRollbackUpdate_goesToAnOlderVersionOfTheSameFunction() {
    String f = "arn:aws:lambda:eu-west-2:123456789012:function:sb-DatabaseMigrationFunction-Qm8x:";
    assertTrue(Rollbacks.toOlderFunctionVersion(Map.of("FunctionVersion", f + 9), Map.of("FunctionVersion", f + 10)));
    assertFalse(Rollbacks.toOlderFunctionVersion(Map.of("FunctionVersion", f + 10), Map.of("FunctionVersion", f + 9)));
    assertFalse(Rollbacks.toOlderFunctionVersion(Map.of("FunctionVersion", f + 3), Map.of("FunctionVersion", f + 3)));
    assertFalse(Rollbacks.toOlderFunctionVersion(Map.of("FunctionVersion", "other:1"), Map.of("FunctionVersion", f + 3)));
    assertFalse(Rollbacks.toOlderFunctionVersion(Map.of(), Map.of("FunctionVersion", f + 3)));
    assertFalse(Rollbacks.toOlderFunctionVersion(Map.of("FunctionVersion", f + "$LATEST"), Map.of("FunctionVersion", f + 3)));
  }
}
