package dev.switchboard.wallet;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where Checkout may send a customer back to. A Checkout page runs on the platform's Stripe
 * account, so a return page anywhere would make it a redirect to any site: a URL must be an
 * https page (or http on localhost, for development) whose origin the operator allowed, in
 * TOP_UP_RETURN_ORIGINS or as the origin of a configured default (TOP_UP_SUCCESS_URL,
 * TOP_UP_CANCEL_URL). With neither, no request may name its own return page.
 */
public final class ReturnUrls {
  static final String SHAPE = "must be an absolute https URL (or http://localhost for development)";

  private final Set<String> origins;

  ReturnUrls(Set<String> origins) {
    this.origins = Set.copyOf(origins);
  }

  Set<String> origins() {
    return origins;
  }

  /** Whether a return page may be used: the right shape, on an allowed origin. */
  boolean isAllowed(String url) {
    return origin(url).filter(origins::contains).isPresent();
  }

  /**
   * "https://app.example.com" for "https://App.example.com:443/wallet?x=1": scheme and host in
   * lower case, the port only when it is not the scheme's default. Empty for a URL of the
   * wrong shape (not https, http off localhost, user info, no host, over 2048 characters).
   */
  static Optional<String> origin(String url) {
    if (url == null || url.length() > 2048) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
      if (host == null || uri.getRawUserInfo() != null) {
        return Optional.empty();
      }
      boolean local = host.equals("localhost") || host.equals("127.0.0.1");
      if (!scheme.equals("https") && !(scheme.equals("http") && local)) {
        return Optional.empty();
      }
      int port = uri.getPort();
      boolean defaultPort = port < 0 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
      return Optional.of(scheme + "://" + host + (defaultPort ? "" : ":" + port));
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }

  /**
   * The allowed origins from TOP_UP_RETURN_ORIGINS (comma separated; each an origin without
   * a path) and the defaults' origins. Throws IllegalArgumentException naming a bad entry.
   */
  static ReturnUrls of(String originList, Optional<String> success, Optional<String> cancel) {
    Set<String> origins = new LinkedHashSet<>();
    for (String entry : originList == null ? new String[0] : originList.split(",")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      if (!isBareOrigin(e)) {
        throw new IllegalArgumentException(e);
      }
      origins.add(origin(e).orElseThrow(() -> new IllegalArgumentException(e)));
    }
    success.flatMap(ReturnUrls::origin).ifPresent(origins::add);
    cancel.flatMap(ReturnUrls::origin).ifPresent(origins::add);
    return new ReturnUrls(origins);
  }

  /** "https://app.example.com" or "https://app.example.com:8443/": no path, query or fragment. */
  private static boolean isBareOrigin(String entry) {
    try {
      URI uri = new URI(entry);
      String path = uri.getRawPath();
      return (path == null || path.isEmpty() || path.equals("/")) && uri.getRawQuery() == null
          && uri.getRawFragment() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
