package dev.verge.hub.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the hub's PostgreSQL database is and how to log in: parsed from a {@code
 * postgresql://[user[:password]@]host[:port]/database[?parameters]} URL (libpq's form; a {@code
 * jdbc:} prefix is accepted), with the password given apart when it should not sit in a URL. {@link
 * #toString} and {@link #display} never show the password.
 *
 * @param jdbcUrl the driver's URL, without user or password
 * @param user the role to log in as
 * @param password its password; null for none (trust or peer authentication)
 * @param poolSize the most connections this hub holds open
 * @param display host, port and database, for messages and logs
 */
public record PostgresServer(
    String jdbcUrl, String user, String password, int poolSize, String display) {
  public static final int DEFAULT_POOL_SIZE = 16;
  private static final int DEFAULT_PORT = 5432;

  public PostgresServer {
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException(
          "the PostgreSQL store needs a user: postgresql://USER@host/database");
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("the PostgreSQL pool size must be 1 or more");
    }
  }

  /** Whether {@code location} names a PostgreSQL server rather than the embedded SQLite store. */
  public static boolean isPostgresUrl(String location) {
    return location != null
        && (location.startsWith("postgresql://")
            || location.startsWith("postgres://")
            || location.startsWith("jdbc:postgresql://"));
  }

  /**
   * Parses {@code url}; {@code password}, when not null, wins over one in the URL.
   *
   * @throws IllegalArgumentException naming what is wrong, never echoing a password
   */
  public static PostgresServer parse(String url, String password, int poolSize) {
    if (!isPostgresUrl(url)) {
      throw new IllegalArgumentException(
          "a PostgreSQL store is named postgresql://user@host[:port]/database, got '"
              + redact(url)
              + "'");
    }
    String plain = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
    URI uri;
    try {
      uri = new URI(plain);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the PostgreSQL URL '" + redact(url) + "' is not a URL: " + e.getReason(), e);
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "the PostgreSQL URL '" + redact(url) + "' names no host (postgresql://user@HOST/db)");
    }
    String path = uri.getRawPath();
    String database = path == null || path.length() < 2 ? "" : decode(path.substring(1));
    if (database.isBlank() || database.contains("/")) {
      throw new IllegalArgumentException(
          "the PostgreSQL URL '" + redact(url) + "' names no database (postgresql://user@host/DB)");
    }
    String user = null;
    String inUrl = null;
    String info = uri.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      inUrl = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    String jdbc =
        "jdbc:postgresql://"
            + hostPart
            + ":"
            + port
            + "/"
            + path.substring(1)
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return new PostgresServer(
        jdbc,
        user,
        password != null ? password : inUrl,
        poolSize,
        hostPart + ":" + port + "/" + database);
  }

  /** The URL as given with its password replaced, for messages. */
  public static String redact(String url) {
    if (url == null) {
      return "";
    }
    int scheme = url.indexOf("://");
    int at = url.indexOf('@', Math.max(scheme, 0));
    if (scheme < 0 || at < 0) {
      return url;
    }
    String info = url.substring(scheme + 3, at);
    int colon = info.indexOf(':');
    return colon < 0
        ? url
        : url.substring(0, scheme + 3) + info.substring(0, colon) + ":***" + url.substring(at);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "PostgresServer[" + user + "@" + display + ", pool " + poolSize + "]";
  }
}
