package dev.switchboard.local;

import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.testing.fake.FakeSecretsManager;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/**
 * The fake Secrets Manager (AWS JSON protocol), reached through the AWS SDK's own
 * {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}, with throwaway credentials. Used when no AWS
 * credentials are given, so a local run never writes a real secret by accident.
 */
final class SecretsManagerSandbox implements ProviderSandbox {
  private FakeSecretsManager fake;

  @Override
  public String provider() {
    return "Secrets Manager";
  }

  @Override
  public String name() {
    return "secrets";
  }

  @Override
  public List<String> credentials() {
    return List.of("AWS_ACCESS_KEY_ID", "AWS_PROFILE");
  }

  /** Either an access key or a named profile means real AWS. */
  @Override
  public boolean real(Predicate<String> given) {
    return credentials().stream().anyMatch(given) || given.test(baseUrlSetting());
  }

  @Override
  public String baseUrlSetting() {
    return "AWS_ENDPOINT_URL_SECRETS_MANAGER";
  }

  @Override
  public String realUrl() {
    return "https://secretsmanager.<region>.amazonaws.com";
  }

  @Override
  public Map<String, String> start(Path dataDirectory) {
    // nothing kept between runs: every run writes the secrets it needs (invoke creates the
    // stack's secret before the custom resource runs, as the stack would)
    fake = new FakeSecretsManager();
    return Map.of("AWS_ENDPOINT_URL_SECRETS_MANAGER", fake.baseUrl(),
        "AWS_ACCESS_KEY_ID", "local-sandbox-" + Secrets.hex(6),
        "AWS_SECRET_ACCESS_KEY", Secrets.hex(20));
  }

  @Override
  public String baseUrl() {
    return fake.baseUrl();
  }

  /**
   * Reads one secret for the runner itself (the database URL it migrates), with the endpoint,
   * region and credentials of this run's settings: they may come from the --env-vars file,
   * which the SDK's own chain in this process does not see.
   */
  static String read(Map<String, String> values, String secretId) {
    SecretsManagerClientBuilder builder = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create());
    Optional.ofNullable(values.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")).or(() -> Optional.ofNullable(values.get("AWS_ENDPOINT_URL")))
        .ifPresent(url -> builder.endpointOverride(URI.create(url)));
    Optional.ofNullable(values.get("AWS_REGION")).or(() -> Optional.ofNullable(values.get("AWS_DEFAULT_REGION")))
        .or(() -> values.containsKey("AWS_ENDPOINT_URL_SECRETS_MANAGER") ? Optional.of("us-east-1") : Optional.empty())
        .ifPresent(region -> builder.region(Region.of(region)));
    String keyId = values.get("AWS_ACCESS_KEY_ID");
    String secret = values.get("AWS_SECRET_ACCESS_KEY");
    String session = values.get("AWS_SESSION_TOKEN");
    if (keyId != null && secret != null) {
      builder.credentialsProvider(StaticCredentialsProvider.create(session == null
          ? AwsBasicCredentials.create(keyId, secret) : AwsSessionCredentials.create(keyId, secret, session)));
    } else if (values.get("AWS_PROFILE") != null) {
      builder.credentialsProvider(ProfileCredentialsProvider.create(values.get("AWS_PROFILE")));
    }
    try (SecretsManagerClient client = builder.build()) {
      return new SecretsManagerSource(client).read(secretId).trim();
    }
  }

  Optional<FakeSecretsManager> fake() {
    return Optional.ofNullable(fake);
  }

  @Override
  public void close() {
    if (fake != null) {
      fake.close();
    }
  }
}
