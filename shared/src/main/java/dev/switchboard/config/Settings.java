package dev.switchboard.config;

import dev.switchboard.log.Log;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where each setting's value comes from, in this order:
 * <ol>
 *   <li>the environment variable itself ({@code STRIPE_API_KEY}), as locally and in tests;</li>
 *   <li>a secret named by {@code <NAME>_SECRET_ID} whose value is the plain string, as in AWS
 *       (each function is given the ids of only the secrets it uses).</li>
 * </ol>
 * Secrets are cached for at most {@code SECRETS_MAX_AGE_SECONDS} (default 300) by the
 * injected clock, so a rotated value reaches a warm container within minutes. When Secrets
 * Manager cannot be reached at that age (an outage, throttling), the value read last is served
 * for up to {@link #STALE_GRACE} more, trying the store again every {@link #RETRY_AFTER_FAILURE}
 * and logging each time: a warm container keeps working through a short outage, and a value
 * that old is refused rather than trusted for ever. {@link #refresh}
 * re-reads one at once (after an authentication failure), and {@link #forgetSecrets} drops
 * them all (after a SnapStart restore: a snapshot may be days old, and every restored
 * instance would otherwise start with the values frozen at publish). The secret reader is only
 * built when a secret is actually needed, so a function run from plain environment variables
 * never initialises the AWS SDK.
 */
public final class Settings {
  public static final String MAX_AGE = "SECRETS_MAX_AGE_SECONDS";
  static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
  /** How long past its age a value is served while the secret store cannot be reached. */
  public static final Duration STALE_GRACE = Duration.ofHours(1);
  /** How soon a failed read of the store is tried again (meanwhile the last value is served). */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
  private static final Log LOG = Log.of(Settings.class);

  private final Map<String, String> env;
  private final Supplier<SecretSource> secrets;
  private final Clock clock;
  private final Duration maxAge;
  private final Map<String, Cached<String>> cache = new ConcurrentHashMap<>();
  private volatile SecretSource secretSource;

  /** A value read from the secret store, when, and when to read it again. */
  private record Cached<T>(T value, Instant readAt, Instant refreshAt) {}

  public Settings(Map<String, String> env, Supplier<SecretSource> secrets) {
    this(env, secrets, Clock.systemUTC());
  }

  public Settings(Map<String, String> env, Supplier<SecretSource> secrets, Clock clock) {
    this.env = Map.copyOf(env);
    this.secrets = secrets;
    this.clock = clock;
    this.maxAge = maxAge(env.get(MAX_AGE));
  }

  private static Duration maxAge(String text) {
    if (text == null || text.isBlank()) {
      return DEFAULT_MAX_AGE;
    }
    try {
      long seconds = Long.parseLong(text.trim());
      if (seconds >= 0) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new MissingConfigException(MAX_AGE, MAX_AGE + " must be a whole number of seconds (0 or more)");
  }

  /** The process environment, with Secrets Manager behind it. */
  public static Settings fromEnvironment() {
    // a lambda, not a method reference: the AWS SDK classes load only if a secret is read
    return new Settings(System.getenv(), () -> SecretsManagerSource.create());
  }

  /** Plain values only, for tests and the local runner: a {@code <NAME>_SECRET_ID} cannot be read. */
  public static Settings of(Map<String, String> values) {
    return new Settings(values, () -> {
      throw new IllegalStateException("no secret store configured");
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
    Cached<String> cached = cache.get(name);
    if (cached != null && fresh(cached)) {
      return Optional.of(cached.value());
    }
    String secretId = env.get(name + "_SECRET_ID");
    if (secretId != null && !secretId.isBlank()) {
      return Optional.of(read(name, secretId, cached));
    }
    return Optional.empty();
  }

  /** Reads the secret; when the store cannot be reached, the last value within its grace. */
  private String read(String name, String secretId, Cached<String> last) {
    try {
      String value = source().read(secretId).trim();
      cache.put(name, cached(value));
      return value;
    } catch (SecretStoreUnavailable e) {
      Instant now = clock.instant();
      if (last == null || !now.isBefore(last.readAt().plus(maxAge).plus(STALE_GRACE))) {
        throw e;
      }
      LOG.warn("config.secret.stale", "setting", name, "ageSeconds",
          Duration.between(last.readAt(), now).toSeconds(), "error", e.getMessage());
      cache.put(name, new Cached<>(last.value(), last.readAt(), now.plus(RETRY_AFTER_FAILURE)));
      return last.value();
    }
  }

  private <T> Cached<T> cached(T value) {
    Instant now = clock.instant();
    return new Cached<>(value, now, now.plus(maxAge));
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

  /** Forgets every secret read so far: the next use of each reads the store again. */
  public void forgetSecrets() {
    cache.clear();
  }

  /**
   * Reads a secret again at once (after an authentication failure); while the store cannot be
   * reached, the value read last within its grace.
   */
  public Optional<String> refresh(String name) {
    if (env.get(name) != null && !env.get(name).isBlank()) {
      return Optional.of(env.get(name));
    }
    String secretId = env.get(name + "_SECRET_ID");
    if (secretId != null && !secretId.isBlank()) {
      return Optional.of(read(name, secretId, cache.get(name)));
    }
    cache.remove(name);
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

  private boolean fresh(Cached<?> cached) {
    return clock.instant().isBefore(cached.refreshAt());
  }
}
