package dev.switchboard.db;

import dev.switchboard.config.MissingConfigException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A PostgreSQL location from {@code DATABASE_URL}: either a JDBC URL or the
 * {@code postgres://user:pass@host:port/db?sslmode=require} form most hosts hand out.
 * {@link #toString()} never shows the password.
 */
public record DatabaseUrl(String jdbcUrl, Optional<String> user, Optional<String> password) {

  public static DatabaseUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new MissingConfigException("DATABASE_URL");
    }
    String t = text.trim();
    if (t.startsWith("jdbc:postgresql:")) {
      return new DatabaseUrl(t, Optional.empty(), Optional.empty());
    }
    if (!t.startsWith("postgres://") && !t.startsWith("postgresql://")) {
      throw new MissingConfigException("DATABASE_URL",
          "DATABASE_URL must start with jdbc:postgresql:, postgres:// or postgresql://");
    }
    URI uri;
    try {
      uri = URI.create(t);
    } catch (IllegalArgumentException e) {
      throw new MissingConfigException("DATABASE_URL", "DATABASE_URL is not a valid URL");
    }
    if (uri.getHost() == null) {
      throw new MissingConfigException("DATABASE_URL", "DATABASE_URL names no host");
    }
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
      if (colon >= 0) {
        password = Optional.of(decode(userInfo.substring(colon + 1)));
      }
    }
    String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return new DatabaseUrl("jdbc:postgresql://" + uri.getHost() + port + path + query, user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "DatabaseUrl[" + jdbcUrl.replaceAll("password=[^&]*", "password=***") + "]";
  }
}
