package dev.switchboard.config;

import java.time.Duration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;

/**
 * Secrets Manager through the AWS SDK with the light URL-connection HTTP client. Region,
 * credentials and endpoint come from the SDK's standard chain, so {@code AWS_ENDPOINT_URL}
 * and {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} keep working (tests point them at a fake).
 */
public final class SecretsManagerSource implements SecretSource {
  private final SecretsManagerClient client;

  public SecretsManagerSource(SecretsManagerClient client) {
    this.client = client;
  }

  public static SecretsManagerSource create() {
    return new SecretsManagerSource(SecretsManagerClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(Duration.ofSeconds(5)))
        .build());
  }

  /**
   * The secret's string value. A store that cannot answer now (no connection, a time-out, a
   * 5xx, throttling, after the SDK's own retries) is {@link SecretStoreUnavailable}; a secret
   * that does not exist or may not be read fails as the SDK says.
   */
  @Override
  public String read(String secretId) {
    String value;
    try {
      value = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretId).build()).secretString();
    } catch (SdkClientException e) {
      throw new SecretStoreUnavailable(secretId, e);
    } catch (AwsServiceException e) {
      if (e.statusCode() >= 500 || e.isThrottlingException()) {
        throw new SecretStoreUnavailable(secretId, e);
      }
      throw e;
    }
    if (value == null) {
      throw new MissingConfigException(secretId, "secret " + secretId + " has no string value");
    }
    return value;
  }
}
