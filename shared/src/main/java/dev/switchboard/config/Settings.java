package dev.switchboard.config;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where each setting's value comes from, in this order:
 * <ol>
 *   <li>the environment variable itself ({@code STRIPE_API_KEY}), as locally and in tests;</li>
 *   <li>a secret named by {@code <NAME>_SECRET_ID} whose value is the plain string
 *       (the webhook signing secret, written by the deploy-time custom resource);</li>
 *   <li>the key of that name in the JSON secret named by {@code SWITCHBOARD_SECRETS_ID}
 *       (the provider keys and the database URL, kept together).</li>
 * </ol>
 * Secrets are read once per container and cached; {@link #refresh} re-reads one after a
 * rotation. The secret reader is only built when a secret is actually needed, so a function
 * run from plain environment variables never initialises the AWS SDK.
 */
public final class Settings {
  public static final String SECRETS_BUNDLE = "SWITCHBOARD_SECRETS_ID";

  private final Map<String, String> env;
  private final Supplier<SecretSource> secrets;
  private final Map<String, String> cache = new ConcurrentHashMap<>();
  private volatile SecretSource secretSource;
  private volatile JsonObject bundle;

  public Settings(Map<String, String> env, Supplier<SecretSource> secrets) {
    this.env = Map.copyOf(env);
    this.secrets = secrets;
  }

  /** The process environment, with Secrets Manager behind it. */
  public static Settings fromEnvironment() {
    // a lambda, not a method reference: the AWS SDK classes load only if a secret is read
    return new Settings(System.getenv(), () -> SecretsManagerSource.create());
  }

  /** Plain values only, for tests and the local runner. */
  public static Settings of(Map<String, String> values) {
    return new Settings(values, () -> {
      throw new MissingConfigException(SECRETS_BUNDLE, "no secret store configured");
    });
  }

  public String require(String name) {
    return get(name).orElseThrow(() -> new MissingConfigException(name));
  }

  public Optional<String> get(String name) {
    String direct = env.get(name);
    if (direct != null && !direct.isBlank()) {
      return Optional.of(direct);
    }
    String cached = cache.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    String secretId = env.get(name + "_SECRET_ID");
    if (secretId != null && !secretId.isBlank()) {
      String value = source().read(secretId).trim();
      cache.put(name, value);
      return Optional.of(value);
    }
    String bundleId = env.get(SECRETS_BUNDLE);
    if (bundleId != null && !bundleId.isBlank()) {
      Optional<String> value = bundle(bundleId).optString(name).filter(v -> !v.isBlank());
      value.ifPresent(v -> cache.put(name, v));
      return value;
    }
    return Optional.empty();
  }

  public String getOrDefault(String name, String fallback) {
    return get(name).orElse(fallback);
  }

  public long requireLong(String name, long fallback) {
    Optional<String> value = get(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.get().trim());
    } catch (NumberFormatException e) {
      throw new MissingConfigException(name, name + " must be a whole number");
    }
  }

  /** Forgets a cached secret so the next read fetches it again (after a rotation). */
  public Optional<String> refresh(String name) {
    if (env.get(name) != null && !env.get(name).isBlank()) {
      return Optional.of(env.get(name));
    }
    cache.remove(name);
    if (env.get(name + "_SECRET_ID") == null) {
      bundle = null;
    }
    return get(name);
  }

  private SecretSource source() {
    SecretSource s = secretSource;
    if (s == null) {
      synchronized (this) {
        if (secretSource == null) {
          secretSource = secrets.get();
        }
        s = secretSource;
      }
    }
    return s;
  }

  private JsonObject bundle(String bundleId) {
    JsonObject b = bundle;
    if (b == null) {
      try {
        b = Json.parseObject(source().read(bundleId));
      } catch (JsonException e) {
        throw new MissingConfigException(SECRETS_BUNDLE, "the secret " + SECRETS_BUNDLE
            + " names must hold a JSON object of settings");
      }
      bundle = b;
    }
    return b;
  }
}
