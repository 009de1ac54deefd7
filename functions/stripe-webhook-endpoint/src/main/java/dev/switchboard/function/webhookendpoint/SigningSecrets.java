package dev.switchboard.function.webhookendpoint;

import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;

/**
 * Writes the endpoint's signing secret into its Secrets Manager secret as the plain
 * {@code whsec_…} string, the form StripeWebhookFunction reads. The value goes from Stripe's
 * answer to this request and nowhere else: never into a log, an exception or the response.
 */
final class SigningSecrets {
  private final SecretsManagerClient client;

  SigningSecrets(SecretsManagerClient client) {
    this.client = client;
  }

  /** Region, credentials and endpoint from the SDK's standard chain (tests point it at a fake). */
  static SigningSecrets create() {
    return new SigningSecrets(SecretsManagerClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(3))
            .socketTimeout(Duration.ofSeconds(10)))
        .build());
  }

  void store(String secretId, String signingSecret) {
    client.putSecretValue(PutSecretValueRequest.builder()
        .secretId(secretId)
        .secretString(signingSecret)
        .build());
  }
}
