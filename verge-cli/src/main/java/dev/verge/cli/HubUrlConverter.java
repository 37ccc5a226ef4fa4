package dev.verge.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Reads {@code --hub} (and {@code VERGE_HUB}): an {@code http://} or {@code https://} URL. A bare
 * {@code host:port} is the usual slip, and Java reads it as a URL whose scheme is the host, so it
 * is named and the fix shown instead of a {@code URISyntaxException}.
 */
public final class HubUrlConverter implements CommandLine.ITypeConverter<URI> {
  @Override
  public URI convert(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + text.strip() + "' " + e.getMessage());
    }
  }

  /**
   * The hub URL {@code text} names, for every place that reads one (flags, variables, files).
   *
   * @throws IllegalArgumentException saying what is wrong with it and how to write it
   */
  public static URI parse(String text) {
    String value = text.strip();
    if (!value.contains("://")) {
      throw new IllegalArgumentException(
          "has no scheme: write http://" + value + " (or https:// for a hub behind TLS)");
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "is not a URL: " + e.getReason() + " at index " + e.getIndex());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("is not an http:// or https:// URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("names no host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("has a query or fragment; give the hub's base URL only");
    }
    return uri;
  }
}
