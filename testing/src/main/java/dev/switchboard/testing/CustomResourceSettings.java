package dev.switchboard.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The settings the template gives a deploy-time function, for the stack and properties of one
 * custom resource event: what its own stack's CloudFormation would send it. Tests that drive
 * the custom resources with the events/ files run them as their own stack's; the tests that
 * prove the functions refuse other events change the event, not these settings.
 */
public final class CustomResourceSettings {
  /** The loopback answer (FakeCloudFormation) is allowed only when this says so. */
  public static final Map<String, String> LOCAL_RECEIVER = Map.of("CUSTOM_RESOURCE_LOOPBACK_RESPONSE", "allow");

  private CustomResourceSettings() {}

  /** STACK_ID, and the registrar's STRIPE_WEBHOOK_* from the properties that carry them; plus {@link #LOCAL_RECEIVER}. */
  public static Map<String, String> configuredFor(String stackId, Map<String, Object> properties) {
    Map<String, String> env = new LinkedHashMap<>(LOCAL_RECEIVER);
    env.put("STACK_ID", stackId);
    if (properties != null) {
      put(env, "STRIPE_WEBHOOK_URL", properties.get("Url"));
      put(env, "STRIPE_WEBHOOK_SIGNING_SECRET_ARN", properties.get("SecretId"));
      if (properties.get("EnabledEvents") instanceof List<?> events) {
        env.put("STRIPE_WEBHOOK_EVENTS", events.stream().map(String::valueOf).collect(Collectors.joining(",")));
      }
    }
    return env;
  }

  private static void put(Map<String, String> env, String name, Object value) {
    if (value != null) {
      env.put(name, String.valueOf(value));
    }
  }
}
