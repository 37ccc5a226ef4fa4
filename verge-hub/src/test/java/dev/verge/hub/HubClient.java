package dev.verge.hub;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A small HTTP client for the hub's API, with one bearer token (or none). */
final class HubClient {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final URI base;
  private final String token;

  HubClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  HubClient withToken(String other) {
    return new HubClient(base, other);
  }

  /** The response, with the body as bytes. */
  record Reply(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    <T> T as(Class<T> type) {
      return Json.read(body, type);
    }

    <T> T as(TypeReference<T> type) {
      try {
        return Json.mapper().readValue(body, type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    JsonNode json() {
      return Json.tree(body);
    }

    String error() {
      return json().path("error").asText(null);
    }

    String code() {
      return json().path("code").asText(null);
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }

  Reply get(String path, String... headers) {
    return send("GET", path, HttpRequest.BodyPublishers.noBody(), headers);
  }

  Reply post(String path, Object json, String... headers) {
    return send("POST", path, HttpRequest.BodyPublishers.ofByteArray(Json.write(json)), headers);
  }

  Reply put(String path, Object json, String... headers) {
    return send("PUT", path, HttpRequest.BodyPublishers.ofByteArray(Json.write(json)), headers);
  }

  Reply postText(String path, String text, String... headers) {
    return send("POST", path, HttpRequest.BodyPublishers.ofString(text), headers);
  }

  Reply postFile(String path, Path file) {
    try {
      return send(
          "POST",
          path,
          HttpRequest.BodyPublishers.ofFile(file),
          "Content-Type",
          "application/octet-stream");
    } catch (java.io.FileNotFoundException e) {
      throw new UncheckedIOException(e);
    }
  }

  Reply send(String method, String path, HttpRequest.BodyPublisher body, String... headerPairs) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, body);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headerPairs.length; i += 2) {
      request.header(headerPairs[i], headerPairs[i + 1]);
    }
    try {
      HttpResponse<byte[]> response =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
