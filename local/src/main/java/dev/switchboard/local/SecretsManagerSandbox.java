package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeSecretsManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

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
