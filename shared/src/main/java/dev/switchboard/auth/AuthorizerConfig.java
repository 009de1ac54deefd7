package dev.switchboard.auth;

import com.nimbusds.jose.JWSAlgorithm;
import dev.switchboard.config.Credential;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What the Lambda authorizer accepts, read once from its settings (docs/auth.md):
 *
 * <ul>
 *   <li>{@code AUTHORIZER_ISSUER}: the exact {@code iss};</li>
 *   <li>{@code AUTHORIZER_AUDIENCE}: accepted {@code aud} values, comma separated (a token
 *       without {@code aud} is matched on {@code client_id}, as API Gateway does for Cognito's
 *       access tokens);</li>
 *   <li>{@code AUTHORIZER_ALGORITHMS}: the allow-list, e.g. {@code ES256,RS256} or
 *       {@code HS256}; never {@code none}. HMAC algorithms need the shared secret, the others
 *       the JWKS URL, and each is checked only against its own kind of key;</li>
 *   <li>{@code AUTHORIZER_JWKS_URL}: the issuer's key set (https);</li>
 *   <li>{@code AUTHORIZER_HS256_SECRET}: the shared secret (in AWS through
 *       {@code AUTHORIZER_HS256_SECRET_SECRET_ID}: read on first use, cached for a bounded time,
 *       forgotten after a SnapStart restore);</li>
 *   <li>{@code ORG_ID_CLAIM}: where the organisation id is (top-level, a dotted path into an
 *       object claim, or a namespaced {@code https://...} claim name taken literally);</li>
 *   <li>{@code AUTHORIZER_LEEWAY_SECONDS} (default 30), {@code AUTHORIZER_MAX_TOKEN_BYTES}
 *       (default 8192), {@code AUTHORIZER_JWKS_REFETCH_SECONDS} (default 60: an unknown
 *       {@code kid} refetches the key set at most this often), {@code AUTHORIZER_JWKS_TIMEOUT_MS}
 *       (default 3000, connect and read each).</li>
 * </ul>
 * Anything missing or malformed stops the start, naming the setting.
 */
public record AuthorizerConfig(String issuer, List<String> audiences, Set<JWSAlgorithm> algorithms,
    Optional<URI> jwksUrl, Optional<Credential> hmacSecret, String orgClaim, Duration leeway, int maxTokenBytes,
    Duration jwksRefetchInterval, Duration jwksMaxAge, Duration jwksTimeout) {

  public static final String HS256_SECRET = "AUTHORIZER_HS256_SECRET";
  /** Every algorithm the authorizer can check; {@code none} is not one of them. */
  static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512,
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384,
      JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
  /** A key set is fetched again after this long even when every kid is known (Supabase caches 10 min). */
  static final Duration JWKS_MAX_AGE = Duration.ofMinutes(10);

  public AuthorizerConfig {
    audiences = List.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
  }

  public static AuthorizerConfig from(Settings settings) {
    String issuer = settings.get("AUTHORIZER_ISSUER").map(String::trim)
        .orElseThrow(() -> new MissingConfigException("AUTHORIZER_ISSUER"));
    List<String> audiences = list(settings.get("AUTHORIZER_AUDIENCE").orElse(""));
    if (audiences.isEmpty()) {
      throw new MissingConfigException("AUTHORIZER_AUDIENCE", "AUTHORIZER_AUDIENCE must name at least one audience");
    }
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    for (String name : list(settings.getOrDefault("AUTHORIZER_ALGORITHMS", ""))) {
      JWSAlgorithm alg = JWSAlgorithm.parse(name.toUpperCase(Locale.ROOT));
      if (!SUPPORTED.contains(alg)) {
        throw new MissingConfigException("AUTHORIZER_ALGORITHMS", "AUTHORIZER_ALGORITHMS: " + name
            + " is not an algorithm the authorizer checks (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512)");
      }
      algorithms.add(alg);
    }
    if (algorithms.isEmpty()) {
      throw new MissingConfigException("AUTHORIZER_ALGORITHMS",
          "AUTHORIZER_ALGORITHMS must name the algorithms to accept, e.g. ES256,RS256 or HS256");
    }
    Optional<URI> jwks = settings.get("AUTHORIZER_JWKS_URL").filter(v -> !v.isBlank()).map(AuthorizerConfig::jwksUrl);
    boolean hmac = algorithms.stream().anyMatch(JWSAlgorithm.Family.HMAC_SHA::contains);
    boolean asymmetric = algorithms.stream().anyMatch(a -> !JWSAlgorithm.Family.HMAC_SHA.contains(a));
    if (asymmetric && jwks.isEmpty()) {
      throw new MissingConfigException("AUTHORIZER_JWKS_URL",
          "AUTHORIZER_ALGORITHMS names an asymmetric algorithm: AUTHORIZER_JWKS_URL must give the issuer's key set");
    }
    // the secret's id is enough at start-up: its value is read from the store on first use
    boolean secretGiven = settings.get(HS256_SECRET + "_SECRET_ID").filter(v -> !v.isBlank()).isPresent()
        || settings.get(HS256_SECRET).isPresent();
    if (hmac && !secretGiven) {
      throw new MissingConfigException(HS256_SECRET,
          "AUTHORIZER_ALGORITHMS names an HMAC algorithm: " + HS256_SECRET + " (or " + HS256_SECRET
              + "_SECRET_ID) must give the shared secret");
    }
    return new AuthorizerConfig(issuer, audiences, algorithms, asymmetric ? jwks : Optional.empty(),
        hmac ? Optional.of(new Credential(settings, HS256_SECRET)) : Optional.empty(),
        settings.getOrDefault("ORG_ID_CLAIM", "org_id").trim(),
        Duration.ofSeconds(number(settings, "AUTHORIZER_LEEWAY_SECONDS", 30, 0, 300)),
        (int) number(settings, "AUTHORIZER_MAX_TOKEN_BYTES", 8192, 1024, 65536),
        Duration.ofSeconds(number(settings, "AUTHORIZER_JWKS_REFETCH_SECONDS", 60, 1, 3600)),
        JWKS_MAX_AGE,
        Duration.ofMillis(number(settings, "AUTHORIZER_JWKS_TIMEOUT_MS", 3000, 100, 10000)));
  }

  private static URI jwksUrl(String text) {
    try {
      URI uri = new URI(text.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean loopback = "http".equals(scheme) && uri.getHost() != null
          && (uri.getHost().equals("localhost") || uri.getHost().startsWith("127.") || uri.getHost().equals("[::1]"));
      if (!"https".equals(scheme) && !loopback) {
        throw new MissingConfigException("AUTHORIZER_JWKS_URL",
            "AUTHORIZER_JWKS_URL must be an https URL (plain http only on this machine, for tests and the local runner)");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new MissingConfigException("AUTHORIZER_JWKS_URL", "AUTHORIZER_JWKS_URL is not a URL");
    }
  }

  private static List<String> list(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static long number(Settings settings, String name, long fallback, long min, long max) {
    long value = settings.requireLong(name, fallback);
    if (value < min || value > max) {
      throw new MissingConfigException(name, name + " must be between " + min + " and " + max);
    }
    return value;
  }
}
