package dev.switchboard.db;

import dev.switchboard.config.MissingConfigException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * A PostgreSQL location from {@code DATABASE_URL}: either a JDBC URL or the
 * {@code postgres://user:pass@host:port/db?sslmode=require} form most hosts hand out.
 * {@link #toString()} never shows the password.
 *
 * <p>TLS by default: a URL that names a host other than this machine and says nothing about
 * TLS ({@code sslmode}, {@code ssl}, {@code sslfactory}) gets {@code sslmode=verify-full}
 * with {@link DatabaseTrust} (the JDK's authorities plus the Amazon RDS roots), so the
 * connection is encrypted and the server proven to be the host named. A URL that sets any of
 * them keeps exactly what it says (the documented override, e.g.
 * {@code sslmode=verify-full&sslrootcert=/path/ca.pem} for a host with a private authority).
 * Loopback hosts stay plain: a local or embedded database has no certificate.
 */
public record DatabaseUrl(String jdbcUrl, Optional<String> user, Optional<String> password) {
  private static final String JDBC_PREFIX = "jdbc:postgresql:";

  public static DatabaseUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new MissingConfigException("DATABASE_URL");
    }
    String t = text.trim();
    if (t.startsWith("jdbc:postgresql:")) {
      return new DatabaseUrl(withTlsDefault(t), Optional.empty(), Optional.empty());
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
    return new DatabaseUrl(withTlsDefault("jdbc:postgresql://" + uri.getHost() + port + path + query), user, password);
  }

  /**
   * The same database reached through {@code host} instead (an RDS Proxy endpoint, from
   * {@code DATABASE_PROXY_HOST}): port, database, user, password and settings stay, and the
   * TLS default applies to the new host.
   */
  public DatabaseUrl throughHost(String host) {
    String rest = jdbcUrl.substring(JDBC_PREFIX.length());
    int end = rest.startsWith("//") ? authorityEnd(rest) : -1;
    if (end < 0 || rest.substring(2, end).contains(",")) {
      throw new MissingConfigException("DATABASE_URL",
          "DATABASE_PROXY_HOST needs a DATABASE_URL that names exactly one host");
    }
    String authority = rest.substring(2, end);
    int colon = authority.lastIndexOf(':');
    String port = colon >= 0 && colon > authority.lastIndexOf(']') ? authority.substring(colon) : "";
    return new DatabaseUrl(withTlsDefault(JDBC_PREFIX + "//" + host + port + rest.substring(end)), user, password);
  }

  /** The one host a connection goes to, and its port. */
  public record Address(String host, int port) {}

  /** Host and port (5432 when it names none) of a URL that names exactly one host. */
  public Address address() {
    String rest = jdbcUrl.substring(JDBC_PREFIX.length());
    int end = rest.startsWith("//") ? authorityEnd(rest) : -1;
    if (end < 0 || rest.substring(2, end).contains(",") || rest.substring(2, end).startsWith("[")) {
      throw new MissingConfigException("DATABASE_URL",
          "DATABASE_URL must name exactly one host by name or IPv4 address here");
    }
    String authority = rest.substring(2, end);
    int colon = authority.lastIndexOf(':');
    if (colon < 0) {
      return new Address(authority, 5432);
    }
    try {
      return new Address(authority.substring(0, colon), Integer.parseInt(authority.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new MissingConfigException("DATABASE_URL", "DATABASE_URL has an invalid port");
    }
  }

  /** The login user: from {@code postgres://user@…}, or a JDBC URL's {@code user} parameter. */
  public Optional<String> loginUser() {
    if (user.isPresent()) {
      return user;
    }
    int queryStart = jdbcUrl.indexOf('?');
    String query = queryStart < 0 ? "" : jdbcUrl.substring(queryStart + 1);
    for (String parameter : query.split("&")) {
      String[] pair = parameter.split("=", 2);
      if (pair.length == 2 && pair[0].equals("user") && !pair[1].isEmpty()) {
        return Optional.of(decode(pair[1]));
      }
    }
    return Optional.empty();
  }

  /** The same location and user with {@code password} (an IAM authentication token). */
  public DatabaseUrl withPassword(String password) {
    return new DatabaseUrl(jdbcUrl, user, Optional.of(password));
  }

  /** Where the host list of {@code //hosts/db?…} ends. */
  private static int authorityEnd(String rest) {
    int end = rest.length();
    for (char c : new char[] {'/', '?'}) {
      int at = rest.indexOf(c, 2);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    return end;
  }

  /** The JDBC URL with {@code sslmode=verify-full} added where it names a remote host and no TLS setting. */
  static String withTlsDefault(String jdbcUrl) {
    String rest = jdbcUrl.substring(JDBC_PREFIX.length());
    if (!rest.startsWith("//")) {
      return jdbcUrl; // jdbc:postgresql:database is localhost
    }
    int queryStart = rest.indexOf('?');
    String query = queryStart < 0 ? "" : rest.substring(queryStart + 1);
    for (String parameter : query.split("&")) {
      String name = parameter.split("=", 2)[0].toLowerCase(Locale.ROOT);
      if (name.equals("sslmode") || name.equals("ssl") || name.equals("sslfactory")) {
        return jdbcUrl;
      }
    }
    int authorityEnd = authorityEnd(rest);
    boolean remote = false;
    for (String host : rest.substring(2, authorityEnd).split(",")) {
      remote |= !isLoopback(host);
    }
    if (!remote) {
      return jdbcUrl;
    }
    return jdbcUrl + (queryStart < 0 ? "?" : "&") + "sslmode=verify-full&sslfactory=" + DatabaseTrust.class.getName();
  }

  /** "localhost", "127.0.0.1:5432", "[::1]:5432": names and literals only, nothing is resolved. */
  private static boolean isLoopback(String hostAndPort) {
    String h = hostAndPort.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      return h.startsWith("[::1]");
    }
    String host = h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return host.isEmpty() || host.equals("localhost") || host.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "DatabaseUrl[" + jdbcUrl.replaceAll("password=[^&]*", "password=***") + "]";
  }
}
