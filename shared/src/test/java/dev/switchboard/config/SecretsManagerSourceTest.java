package dev.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.Fault;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The real AWS SDK client that {@link SecretsManagerSource#create()} builds, pointed at the fake
 * through the SDK's standard endpoint override (the system-property twin of
 * {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}), and {@link Settings} reading through it.
 */
class SecretsManagerSourceTest {
  private static final Map<String, String> SDK_PROPERTIES = Map.of(
      "aws.region", "eu-west-2",
      "aws.accessKeyId", "fake-access-key-for-tests",
      "aws.secretAccessKey", "fake-secret-access-key-for-tests");

  private final Map<String, String> previous = new HashMap<>();
  private FakeSecretsManager secretsManager;

  @BeforeEach
  void setUp() {
    secretsManager = new FakeSecretsManager();
    Map<String, String> properties = new HashMap<>(SDK_PROPERTIES);
    properties.put("aws.endpointUrlSecretsManager", secretsManager.baseUrl());
    properties.forEach((name, value) -> {
      previous.put(name, System.getProperty(name));
      System.setProperty(name, value);
    });
  }

  @AfterEach
  void tearDown() {
    previous.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
    secretsManager.close();
  }

  private static Settings settings(Map<String, String> env) {
    return new Settings(env, () -> SecretsManagerSource.create());
  }

  @Test
  void create_reachesSecretsManagerThroughTheStandardEndpointOverride() {
    String arn = secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_plain");

    assertEquals("whsec_test_plain", SecretsManagerSource.create().read(arn));
    assertEquals("whsec_test_plain", SecretsManagerSource.create().read("switchboard/stripe-webhook-secret"));
    assertEquals(2, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  @Test
  void read_ofASecretThatDoesNotExist_failsWithAwsError() {
    assertThrows(ResourceNotFoundException.class, () -> SecretsManagerSource.create().read("switchboard/missing"));
  }

  @Test
  void read_ofASecretWithNoValueYet_failsWithAwsError() {
    secretsManager.create("switchboard/empty");

    assertThrows(ResourceNotFoundException.class, () -> SecretsManagerSource.create().read("switchboard/empty"));
  }

  @Test
  void read_afterATransient500_isRetriedByTheSdk() {
    secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_plain");
    secretsManager.failNext(FakeSecretsManager.ROUTE, Fault.status(500));

    assertEquals("whsec_test_plain", SecretsManagerSource.create().read("switchboard/stripe-webhook-secret"));
    assertEquals(2, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  @Test
  void settings_readAPlainSecretNamedByItsSecretId_once() {
    String arn = secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_plain\n");
    Settings settings = settings(Map.of("STRIPE_WEBHOOK_SECRET_SECRET_ID", arn));

    assertEquals("whsec_test_plain", settings.require("STRIPE_WEBHOOK_SECRET"));
    assertEquals("whsec_test_plain", settings.require("STRIPE_WEBHOOK_SECRET"));
    assertEquals(1, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  @Test
  void settings_aPlainEnvironmentValue_neverCallsSecretsManager() {
    String arn = secretsManager.put("switchboard/stripe-key", "sk_test_from_the_secret");
    Settings settings = settings(Map.of("STRIPE_API_KEY", "sk_test_from_env", "STRIPE_API_KEY_SECRET_ID", arn));

    assertEquals("sk_test_from_env", settings.require("STRIPE_API_KEY"));
    assertEquals(0, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  @Test
  void refresh_reReadsAPlainSecretAfterRotation() {
    String arn = secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_old");
    Settings settings = settings(Map.of("STRIPE_WEBHOOK_SECRET_SECRET_ID", arn));
    assertEquals("whsec_test_old", settings.require("STRIPE_WEBHOOK_SECRET"));

    secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_new");

    assertEquals("whsec_test_old", settings.require("STRIPE_WEBHOOK_SECRET"));
    assertEquals(Optional.of("whsec_test_new"), settings.refresh("STRIPE_WEBHOOK_SECRET"));
    assertEquals("whsec_test_new", settings.require("STRIPE_WEBHOOK_SECRET"));
    assertEquals(2, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  // the calls the webhook-registration custom resource makes, through the real SDK

  private static SecretsManagerClient sdk() {
    return SecretsManagerClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).build();
  }

  @Test
  void putSecretValue_writesANewCurrentVersion_andARetryWithTheSameTokenWritesNothing() {
    String arn = secretsManager.create("switchboard/stripe-webhook-secret");
    PutSecretValueRequest put = PutSecretValueRequest.builder()
        .secretId(arn).secretString("whsec_test_first").clientRequestToken("11111111-2222-4333-8444-555555555555").build();

    try (SecretsManagerClient client = sdk()) {
      PutSecretValueResponse first = client.putSecretValue(put);
      PutSecretValueResponse retried = client.putSecretValue(put);

      assertEquals("11111111-2222-4333-8444-555555555555", first.versionId());
      assertEquals(first.versionId(), retried.versionId());
      assertEquals(List.of("AWSCURRENT"), first.versionStages());
      assertEquals(List.of("whsec_test_first"), secretsManager.versionsWritten(arn));
      assertThrows(ResourceExistsException.class, () -> client.putSecretValue(
          put.toBuilder().secretString("whsec_test_other").build()));
    }
    assertEquals(Optional.of("whsec_test_first"), secretsManager.value("switchboard/stripe-webhook-secret"));
  }

  @Test
  void describeSecret_showsWhichVersionIsCurrentAndPrevious() {
    secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_old");
    secretsManager.put("switchboard/stripe-webhook-secret", "whsec_test_new");

    try (SecretsManagerClient client = sdk()) {
      DescribeSecretResponse described = client.describeSecret(b -> b.secretId("switchboard/stripe-webhook-secret"));

      assertEquals("switchboard/stripe-webhook-secret", described.name());
      assertEquals(2, described.versionIdsToStages().size());
      assertEquals(1, described.versionIdsToStages().values().stream().filter(v -> v.contains("AWSCURRENT")).count());
      assertEquals(1, described.versionIdsToStages().values().stream().filter(v -> v.contains("AWSPREVIOUS")).count());
    }
    assertEquals(List.of("whsec_test_old", "whsec_test_new"), secretsManager.versionsWritten("switchboard/stripe-webhook-secret"));
  }

  @Test
  void putSecretValue_whenTheSecretDoesNotExist_failsAndWritesNothing() {
    try (SecretsManagerClient client = sdk()) {
      assertThrows(ResourceNotFoundException.class, () -> client.putSecretValue(b -> b
          .secretId("switchboard/missing").secretString("whsec_test_x")));
    }
    assertEquals(List.of(), secretsManager.versionsWritten("switchboard/missing"));
  }
}
