package dev.verge.cli.client;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks whether an {@code https://} hub address in fact serves plain HTTP, by sending it one plain
 * request: any HTTP answer (even a 401 or 404) says so; a TLS server answers no HTTP.
 */
final class PlainHttpProbe {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private PlainHttpProbe() {}

  static boolean answers(URI hub) {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
      HttpRequest request =
          HttpRequest.newBuilder(plain(hub).resolve("/")).timeout(TIMEOUT).GET().build();
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      return response.statusCode() >= 100;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The same address with {@code http://}. */
  static URI plain(URI hub) {
    try {
      return new URI(
          "http", hub.getUserInfo(), hub.getHost(), port(hub), hub.getPath(), null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot write " + hub + " with http://", e);
    }
  }

  /** The port the https URL connects to; a plain URL needs it spelled out when it was implied. */
  private static int port(URI hub) {
    return hub.getPort() == -1 ? 443 : hub.getPort();
  }
}
