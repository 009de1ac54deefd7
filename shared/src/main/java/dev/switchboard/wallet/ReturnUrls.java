package dev.switchboard.wallet;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Supplier;

/** Where Checkout may send a customer back to: an https page, or http on localhost. */
final class ReturnUrls {
  static final String RULE = "must be an absolute https URL (or http://localhost for development)";

  private ReturnUrls() {}

  static boolean isAllowed(String url) {
    if (url == null || url.length() > 2048) {
      return false;
    }
    try {
      URI uri = new URI(url);
      String host = uri.getHost();
      if (host == null || uri.getUserInfo() != null) {
        return false;
      }
      if ("https".equals(uri.getScheme())) {
        return true;
      }
      return "http".equals(uri.getScheme()) && ("localhost".equals(host) || "127.0.0.1".equals(host));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  static <E extends RuntimeException> String require(String url, String name, Supplier<E> error) {
    if (!isAllowed(url)) {
      throw error.get();
    }
    return url;
  }
}
