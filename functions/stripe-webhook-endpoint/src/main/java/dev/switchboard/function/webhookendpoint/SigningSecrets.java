package dev.switchboard.function.webhookendpoint;

import dev.switchboard.stripe.WebhookSecrets;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Reads and writes the stack's signing secret ({@link WebhookSecrets} as JSON, the form
 * StripeWebhookFunction reads). The keys go from Stripe's answer to this secret and nowhere
 * else: never into a log, an exception or the response.
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

  /** What the secret holds now; empty while it has no value (a new stack) or an unreadable one. */
  Optional<WebhookSecrets> read(String secretId) {
    String value;
    try {
      value = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretId).build()).secretString();
    } catch (ResourceNotFoundException e) {
      return Optional.empty(); // the secret exists with no value yet
    }
    try {
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(WebhookSecrets.parse(value));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // overwritten by the next store
    }
  }

  void store(String secretId, WebhookSecrets secrets) {
    client.putSecretValue(PutSecretValueRequest.builder()
        .secretId(secretId)
        .secretString(secrets.stored())
        .build());
  }
}
