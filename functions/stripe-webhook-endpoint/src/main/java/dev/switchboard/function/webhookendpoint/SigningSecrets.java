package dev.switchboard.function.webhookendpoint;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.stripe.WebhookSecrets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /** The keys, and what the current endpoint was last registered with (when known). */
  record Stored(WebhookSecrets keys, Optional<Registration> registration) {
    Stored withKeys(WebhookSecrets next) {
      return new Stored(next, registration);
    }
  }

  /** What the secret holds now; empty while it has no value (a new stack) or an unreadable one. */
  Optional<Stored> read(String secretId) {
    String value;
    try {
      value = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretId).build()).secretString();
    } catch (ResourceNotFoundException e) {
      return Optional.empty(); // the secret exists with no value yet
    }
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      WebhookSecrets keys = WebhookSecrets.parse(value);
      Optional<Registration> registration = value.trim().startsWith("{")
          ? Json.parseObject(value).optObject(Registration.FIELD).flatMap(Registration::fromJson)
          : Optional.empty();
      return Optional.of(new Stored(keys, registration));
    } catch (IllegalArgumentException | JsonException e) {
      return Optional.empty(); // overwritten by the next store
    }
  }

  void store(String secretId, Stored stored) {
    Map<String, Object> value = new LinkedHashMap<>(Json.parseObject(stored.keys().stored()).asMap());
    stored.registration().ifPresent(r -> value.put(Registration.FIELD, r.toJson()));
    client.putSecretValue(PutSecretValueRequest.builder()
        .secretId(secretId)
        .secretString(Json.write(value))
        .build());
  }
}
