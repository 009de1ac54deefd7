package dev.switchboard.stripe;

import dev.switchboard.config.Settings;
import dev.switchboard.json.JsonObject;
import java.util.Optional;

/**
 * Which stack a Checkout Session belongs to. Several stacks (development, staging, production)
 * often share one Stripe account, and every endpoint of the account receives every event; a
 * staging database cloned from production even has the same organisations. So each top-up
 * carries its stack's id ({@code STACK_ID}, the CloudFormation stack id the template gives) in
 * {@code metadata.stack_id}, and the webhook applies only its own stack's payments. A payment
 * whose metadata names no stack was made before stacks were named, and is applied as before.
 */
public record StackIdentity(Optional<String> id) {
  public static final String METADATA_KEY = "stack_id";
  public static final String SETTING = "STACK_ID";

  public static StackIdentity from(Settings settings) {
    return new StackIdentity(settings.get(SETTING).map(String::trim));
  }

  /** Whether a payment with this metadata is this stack's to apply. */
  boolean owns(JsonObject metadata) {
    Optional<String> named = metadata.optString(METADATA_KEY).filter(s -> !s.isBlank());
    return named.isEmpty() || named.equals(id);
  }
}
