package dev.verge.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/** Sends one infer request to a server and reads the first output's floats from its answer. */
final class Answers {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Answers() {}

  static float[] infer(URI url, Body body) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", body.contentType())
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
    if (body.jsonLength() >= 0) {
      request.header(Body.HEADER, Integer.toString(body.jsonLength()));
    }
    HttpResponse<byte[]> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    byte[] bytes = response.body();
    if (response.statusCode() != 200) {
      throw new IOException(
          url
              + " answered "
              + response.statusCode()
              + ": "
              + new String(bytes, 0, Math.min(bytes.length, 500), StandardCharsets.UTF_8));
    }
    String header = response.headers().firstValue(Body.HEADER).orElse(null);
    return parse(bytes, header == null ? -1 : Integer.parseInt(header.strip()), url.toString());
  }

  /**
   * The first output of an infer answer: {@code data} of a JSON answer, or the section its {@code
   * binary_data_size} gives when {@code jsonLength} is not -1.
   */
  static float[] parse(byte[] bytes, int jsonLength, String from) throws IOException {
    byte[] json = jsonLength < 0 ? bytes : Arrays.copyOf(bytes, jsonLength);
    JsonNode output = Json.tree(json).path("outputs").path(0);
    JsonNode size = output.path("parameters").path("binary_data_size");
    if (size.isMissingNode()) {
      JsonNode data = output.path("data");
      if (!data.isArray()) {
        throw new IOException(
            from + " answered no output data: " + new String(json, StandardCharsets.UTF_8));
      }
      float[] values = new float[data.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = data.get(i).floatValue();
      }
      return values;
    }
    if (jsonLength < 0 || bytes.length - jsonLength < size.asLong()) {
      throw new IOException(
          from + " answered binary_data_size " + size + " without as many bytes after its JSON");
    }
    float[] values = new float[size.asInt() / 4];
    ByteBuffer.wrap(bytes, jsonLength, size.asInt())
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(values);
    return values;
  }
}
