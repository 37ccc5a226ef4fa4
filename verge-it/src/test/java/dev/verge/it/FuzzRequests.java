package dev.verge.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Requests for the agent's local API, random and structured: valid calls on every route, valid
 * infer bodies mutated byte by byte, huge declared shapes, deep nesting, wrong JSON types, binary
 * headers that lie, bodies cut short, odd encodings, random paths, methods and bytes. Request
 * {@code i} of seed {@code s} is always the same request, whatever ran before it, so a finding is
 * reproduced from its seed and index alone.
 *
 * <p>It knows the two models the fuzz agent serves: {@code pump} (FP32 [-1,2] to FP32 [-1,2]) and
 * {@code types} (one Identity per element type, {@code x_<type>} [-1] to {@code y_<type>}).
 */
final class FuzzRequests {
  /** One request as it goes on the wire. */
  record Request(
      String kind,
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      long declaredLength,
      boolean cut) {

    /** A request whose body is sent whole and declared as it is. */
    static Request of(
        String kind, String method, String target, Map<String, String> headers, byte[] body) {
      return new Request(kind, method, target, headers, body, body.length, false);
    }

    /** The first bytes of the request, for a report. */
    String sample() {
      String text = new String(body, 0, Math.min(body.length, 160), StandardCharsets.ISO_8859_1);
      return method
          + " "
          + (target.length() > 120 ? target.substring(0, 120) + "..." : target)
          + " "
          + headers
          + " "
          + text.replaceAll("[^\\x20-\\x7e]", ".");
    }
  }

  private static final String[] TYPES = {
    "fp32", "fp64", "int32", "int64", "uint8", "int8", "int16", "bool", "bytes"
  };
  private static final String[] DATATYPES = {
    "FP32", "FP64", "INT32", "INT64", "UINT8", "INT8", "INT16", "BOOL", "BYTES"
  };
  private static final String[] GET_ROUTES = {
    "/v2",
    "/v2/",
    "/v2/health/live",
    "/v2/health/ready",
    "/verge/v1/status",
    "/metrics",
    "/v2/models/pump",
    "/v2/models/pump/ready",
    "/v2/models/pump/stats",
    "/v2/models/pump/versions/1",
    "/v2/models/pump/versions/1/ready",
    "/v2/models/pump/versions/1/stats",
    "/v2/models/types",
    "/v2/models/types/stats",
    "/v2/models/nope",
    "/v2/models/pump/versions/7",
    "/v2/models/pump/versions/x",
    "/v2/models/pump/versions/99999999999999999999",
  };
  private static final String[] INFER_TARGETS = {
    "/v2/models/pump/infer",
    "/v2/models/pump/versions/1/infer",
    "/v2/models/types/infer",
    "/v2/models/types/versions/1/infer",
    "/v2/models/nope/infer",
    "/v2/models/pump/versions/-1/infer",
  };
  private static final String[] METHODS = {
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "FOO", "get"
  };

  /** The kinds and their weights; every kind shows in a run of a few hundred requests. */
  private static final List<Map.Entry<String, Integer>> KINDS =
      List.of(
          Map.entry("route", 10),
          Map.entry("valid-json", 8),
          Map.entry("valid-binary", 6),
          Map.entry("mutated-json", 16),
          Map.entry("mutated-binary", 10),
          Map.entry("huge-shape", 8),
          Map.entry("deep-nesting", 3),
          Map.entry("wrong-types", 12),
          Map.entry("binary-lie", 8),
          Map.entry("cut-body", 4),
          Map.entry("odd-encoding", 6),
          Map.entry("random-bytes", 5),
          Map.entry("random-target", 4),
          Map.entry("large-binary", 1));

  private static final int TOTAL_WEIGHT = KINDS.stream().mapToInt(Map.Entry::getValue).sum();

  private final long seed;

  FuzzRequests(long seed) {
    this.seed = seed;
  }

  /** Request {@code index}: the same for the same seed and index. */
  Request get(long index) {
    Random random = new Random(mix(seed) ^ mix(index + 1));
    int pick = random.nextInt(TOTAL_WEIGHT);
    String kind = null;
    for (Map.Entry<String, Integer> entry : KINDS) {
      pick -= entry.getValue();
      if (pick < 0) {
        kind = entry.getKey();
        break;
      }
    }
    return switch (kind) {
      case "route" -> route(random);
      case "valid-json" -> json("valid-json", random, validJson(random));
      case "valid-binary" -> validBinary(random);
      case "mutated-json" -> json("mutated-json", random, mutate(random, validJson(random)));
      case "mutated-binary" -> mutatedBinary(random);
      case "huge-shape" -> hugeShape(random);
      case "deep-nesting" -> json("deep-nesting", random, deepNesting(random));
      case "wrong-types" -> json("wrong-types", random, wrongTypes(random));
      case "binary-lie" -> binaryLie(random);
      case "cut-body" -> cutBody(random);
      case "odd-encoding" -> oddEncoding(random);
      case "random-bytes" -> randomBytes(random);
      case "large-binary" -> largeBinary(random);
      default -> randomTarget(random);
    };
  }

  private static long mix(long index) {
    long z = index * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    return z ^ (z >>> 27);
  }

  private static Request route(Random random) {
    String target = GET_ROUTES[random.nextInt(GET_ROUTES.length)];
    String method = random.nextInt(5) == 0 ? "HEAD" : "GET";
    Map<String, String> headers = new LinkedHashMap<>();
    if (target.equals("/metrics") && random.nextBoolean()) {
      headers.put(
          "Accept",
          random.nextBoolean() ? "application/openmetrics-text; version=1.0.0" : junk(random, 40));
      if (random.nextBoolean()) {
        headers.put("Authorization", "Bearer " + junk(random, 30));
      }
    }
    return Request.of("route", method, target, headers, new byte[0]);
  }

  private static Request json(String kind, Random random, String body) {
    return Request.of(
        kind,
        "POST",
        INFER_TARGETS[random.nextInt(3)],
        Map.of("Content-Type", "application/json"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  /** A valid infer body for pump or types, flat or nested, sometimes with outputs and an id. */
  private static String validJson(Random random) {
    StringBuilder json = new StringBuilder("{");
    if (random.nextBoolean()) {
      json.append("\"id\":\"").append(random.nextInt(1000)).append("\",");
    }
    json.append("\"inputs\":[");
    if (random.nextBoolean()) {
      int batch = 1 + random.nextInt(4);
      json.append("{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[")
          .append(batch)
          .append(",2],\"data\":");
      boolean nested = random.nextBoolean();
      json.append('[');
      for (int row = 0; row < batch; row++) {
        if (row > 0) {
          json.append(',');
        }
        json.append(nested ? "[" : "")
            .append(random.nextFloat() * 10)
            .append(',')
            .append(random.nextFloat() * 10)
            .append(nested ? "]" : "");
      }
      json.append("]}]");
      if (random.nextInt(4) == 0) {
        json.append(",\"outputs\":[{\"name\":\"output\"}]");
      }
    } else {
      for (int t = 0; t < TYPES.length; t++) {
        if (t > 0) {
          json.append(',');
        }
        int n = random.nextInt(4);
        json.append("{\"name\":\"x_")
            .append(TYPES[t])
            .append("\",\"datatype\":\"")
            .append(DATATYPES[t])
            .append("\",\"shape\":[")
            .append(n)
            .append("],\"data\":[");
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            json.append(',');
          }
          json.append(element(random, DATATYPES[t]));
        }
        json.append("]}");
      }
      json.append(']');
    }
    return json.append('}').toString();
  }

  private static String element(Random random, String datatype) {
    return switch (datatype) {
      case "FP32", "FP64" -> Double.toString(random.nextGaussian() * 100);
      case "INT32" -> Integer.toString(random.nextInt());
      case "INT64" -> Long.toString(random.nextLong());
      case "UINT8" -> Integer.toString(random.nextInt(256));
      case "INT8" -> Integer.toString(random.nextInt(256) - 128);
      case "INT16" -> Integer.toString(random.nextInt(65536) - 32768);
      case "BOOL" -> Boolean.toString(random.nextBoolean());
      default -> "\"" + junk(random, 8).replace("\\", "").replace("\"", "") + "\"";
    };
  }

  private static Request validBinary(Random random) {
    return binary("valid-binary", random, random.nextInt(5) + 1, null);
  }

  /** A binary infer call to pump; {@code lie} rewrites its JSON header or sections if non-null. */
  private static Request binary(
      String kind, Random random, int batch, java.util.function.UnaryOperator<byte[]> lie) {
    boolean binaryOut = random.nextBoolean();
    String json =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":["
            + batch
            + ",2],\"parameters\":{\"binary_data_size\":"
            + (batch * 8)
            + "}}]"
            + (binaryOut ? ",\"parameters\":{\"binary_data_output\":true}" : "")
            + "}";
    ByteBuffer data = ByteBuffer.allocate(batch * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < batch * 2; i++) {
      data.putFloat(random.nextFloat() * 10);
    }
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    byte[] body = concat(header, data.array());
    String length = Integer.toString(header.length);
    if (lie != null) {
      body = lie.apply(body);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    headers.put("Inference-Header-Content-Length", length);
    return Request.of(kind, "POST", INFER_TARGETS[random.nextInt(2)], headers, body);
  }

  /**
   * A valid binary call of up to 6 MiB of inputs: answered when its outputs fit the request's
   * budget, 413 when they do not (a JSON answer of many floats), never an exhausted heap.
   */
  private static Request largeBinary(Random random) {
    int batch = 1 + random.nextInt(6 * 1024 * 1024 / 8);
    boolean binaryOut = random.nextInt(4) != 0;
    String json =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":["
            + batch
            + ",2],\"parameters\":{\"binary_data_size\":"
            + (batch * 8L)
            + "}}]"
            + (binaryOut ? ",\"parameters\":{\"binary_data_output\":true}" : "")
            + "}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    byte[] body = java.util.Arrays.copyOf(header, header.length + batch * 8);
    // 1.0f little-endian in every element: cheap to make, and a real input.
    for (int at = header.length; at < body.length; at += 4) {
      body[at + 2] = (byte) 0x80;
      body[at + 3] = 0x3f;
    }
    return Request.of(
        "large-binary",
        "POST",
        "/v2/models/pump/infer",
        Map.of("Inference-Header-Content-Length", Integer.toString(header.length)),
        body);
  }

  private static Request mutatedBinary(Random random) {
    Request valid = binary("mutated-binary", random, 1 + random.nextInt(4), null);
    Map<String, String> headers = new LinkedHashMap<>(valid.headers());
    if (random.nextInt(3) == 0) {
      headers.put(
          "Inference-Header-Content-Length",
          Integer.toString(
              Integer.parseInt(headers.get("Inference-Header-Content-Length"))
                  + random.nextInt(21)
                  - 10));
    }
    byte[] body = mutateBytes(random, valid.body());
    return Request.of("mutated-binary", "POST", valid.target(), headers, body);
  }

  /** Shapes from zero to past a long: JSON or binary, data small or missing. */
  private static Request hugeShape(Random random) {
    long[] dims = {
      0, 1, 1_000_000, 1L << 31, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, -1, -(1L << 40)
    };
    StringBuilder shape = new StringBuilder("[");
    int rank = 1 + random.nextInt(4);
    for (int i = 0; i < rank; i++) {
      if (i > 0) {
        shape.append(',');
      }
      shape.append(random.nextInt(3) == 0 ? 2 : dims[random.nextInt(dims.length)]);
    }
    shape.append(']');
    String datatype = DATATYPES[random.nextInt(DATATYPES.length)];
    String target = INFER_TARGETS[random.nextInt(3)];
    String name = target.contains("types") ? "x_" + TYPES[random.nextInt(TYPES.length)] : "input";
    if (random.nextBoolean()) {
      String json =
          "{\"inputs\":[{\"name\":\""
              + name
              + "\",\"datatype\":\""
              + datatype
              + "\",\"shape\":"
              + shape
              + ",\"data\":[1,2,3,4]}]}";
      return Request.of(
          "huge-shape",
          "POST",
          target,
          Map.of("Content-Type", "application/json"),
          json.getBytes(StandardCharsets.UTF_8));
    }
    long size = random.nextBoolean() ? 16 : dims[random.nextInt(dims.length)];
    String json =
        "{\"inputs\":[{\"name\":\""
            + name
            + "\",\"datatype\":\""
            + datatype
            + "\",\"shape\":"
            + shape
            + ",\"parameters\":{\"binary_data_size\":"
            + size
            + "}}]}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[16];
    random.nextBytes(data);
    return Request.of(
        "huge-shape",
        "POST",
        target,
        Map.of("Inference-Header-Content-Length", Integer.toString(header.length)),
        concat(header, data));
  }

  private static String deepNesting(Random random) {
    int depth = new int[] {64, 999, 1001, 5_000, 100_000}[random.nextInt(5)];
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    String close = open.equals("[") ? "]" : "}";
    String inner = open.repeat(depth) + "1" + close.repeat(random.nextInt(4) == 0 ? 1 : depth);
    return switch (random.nextInt(3)) {
      case 0 ->
          "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":"
              + inner
              + "}]}";
      case 1 -> "{\"inputs\":" + inner + "}";
      default -> inner;
    };
  }

  /** Structurally plausible bodies with a field of the wrong JSON type or value. */
  private static String wrongTypes(Random random) {
    String[] values = {
      "null",
      "true",
      "1",
      "-1",
      "1.5",
      "1e400",
      "-0",
      "\"x\"",
      "\"\"",
      "[]",
      "{}",
      "[null]",
      "[{}]",
      "[[]]",
      "[1,[2]]",
      "\"FP32\"",
      "[\"1\"]",
      "[1e39]",
      "[9223372036854775808]",
      "[-9223372036854775809]",
      "[256]",
      "[-129]",
      "[32768]",
      "[true]",
      "[\"\\ud800\"]",
      "[12345678901234567890123456789012345678901234567890]",
      "\"\\u0000\"",
      "[NaN]",
      "[Infinity]"
    };
    String value = values[random.nextInt(values.length)];
    String[] templates = {
      "{\"inputs\":%s}",
      "{\"inputs\":[%s]}",
      "{\"inputs\":[{\"name\":%s,\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":%s,\"shape\":[1,2],\"data\":[1,2]}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":%s,\"data\":[1,2]}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":%s}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,%s],\"data\":[1,2]}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,%s]}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2],"
          + "\"parameters\":%s}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],"
          + "\"parameters\":{\"binary_data_size\":%s}}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}],"
          + "\"outputs\":%s}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}],"
          + "\"outputs\":[{\"name\":%s,\"parameters\":{\"binary_data\":%s}}]}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}],"
          + "\"parameters\":{\"binary_data_output\":%s}}",
      "{\"id\":%s,\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],"
          + "\"data\":[1,2]}]}",
      "{\"inputs\":[{\"name\":\"x_%s\",\"datatype\":\"%s\",\"shape\":[1],\"data\":%s}]}",
      "%s",
    };
    String template = templates[random.nextInt(templates.length)];
    if (template.startsWith("{\"inputs\":[{\"name\":\"x_")) {
      int t = random.nextInt(TYPES.length);
      return String.format(template, TYPES[t], DATATYPES[random.nextInt(DATATYPES.length)], value);
    }
    if (template.contains("\"name\":%s,\"parameters\"")) {
      return String.format(template, value, values[random.nextInt(values.length)]);
    }
    return String.format(template, value);
  }

  /** Binary calls whose header, sizes or BYTES lengths do not add up. */
  private static Request binaryLie(Random random) {
    int batch = 1 + random.nextInt(3);
    return switch (random.nextInt(6)) {
      case 0 -> {
        Request valid = binary("binary-lie", random, batch, null);
        Map<String, String> headers = new LinkedHashMap<>(valid.headers());
        String[] lies = {"-1", "", " ", "abc", "99999999999999999999", "0", "1", "100000", "1e3"};
        headers.put("Inference-Header-Content-Length", lies[random.nextInt(lies.length)]);
        yield Request.of("binary-lie", "POST", valid.target(), headers, valid.body());
      }
      case 1 ->
          binary(
              "binary-lie",
              random,
              batch,
              body -> java.util.Arrays.copyOf(body, body.length - 1 - random.nextInt(8)));
      case 2 ->
          binary(
              "binary-lie", random, batch, body -> concat(body, new byte[1 + random.nextInt(64)]));
      case 3 -> {
        // binary_data_size says more than is there.
        Request valid = binary("binary-lie", random, batch, null);
        String text = new String(valid.body(), StandardCharsets.ISO_8859_1);
        String lied =
            text.replace(
                "\"binary_data_size\":" + (batch * 8),
                "\"binary_data_size\":" + (batch * 8 + 1 + random.nextInt(1 << 20)));
        Map<String, String> headers = new LinkedHashMap<>(valid.headers());
        headers.put(
            "Inference-Header-Content-Length",
            Integer.toString(
                Integer.parseInt(headers.get("Inference-Header-Content-Length"))
                    + lied.length()
                    - text.length()));
        yield Request.of(
            "binary-lie",
            "POST",
            valid.target(),
            headers,
            lied.getBytes(StandardCharsets.ISO_8859_1));
      }
      default -> bytesLie(random);
    };
  }

  /** BYTES elements whose 4-byte lengths lie, or whose bytes are not UTF-8. */
  private static Request bytesLie(Random random) {
    int count = 1 + random.nextInt(3);
    ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      int[] lengths = {0, 1, 3, -1, Integer.MAX_VALUE, 1 << 20};
      int length = lengths[random.nextInt(lengths.length)];
      data.putInt(length);
      int real = Math.max(0, Math.min(length, 8));
      for (int b = 0; b < real && data.remaining() > 0; b++) {
        data.put((byte) (random.nextBoolean() ? 'a' : 0xC0 + random.nextInt(64)));
      }
    }
    byte[] section = java.util.Arrays.copyOf(data.array(), data.position());
    String json =
        "{\"inputs\":[{\"name\":\"x_bytes\",\"datatype\":\"BYTES\",\"shape\":["
            + count
            + "],\"parameters\":{\"binary_data_size\":"
            + section.length
            + "}}]}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    return Request.of(
        "binary-lie",
        "POST",
        "/v2/models/types/infer",
        Map.of("Inference-Header-Content-Length", Integer.toString(header.length)),
        concat(header, section));
  }

  /** A valid body declared longer than sent; the client then ends its side. */
  private static Request cutBody(Random random) {
    byte[] whole = validJson(random).getBytes(StandardCharsets.UTF_8);
    int sent = random.nextInt(whole.length);
    return new Request(
        "cut-body",
        "POST",
        INFER_TARGETS[random.nextInt(3)],
        Map.of("Content-Type", "application/json"),
        java.util.Arrays.copyOf(whole, sent),
        whole.length + random.nextInt(100_000),
        true);
  }

  private static Request oddEncoding(Random random) {
    byte[] valid = validJson(random).getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    byte[] body;
    switch (random.nextInt(10)) {
      case 0 -> {
        headers.put("Content-Encoding", "gzip");
        body = gzip(valid);
      }
      case 1 -> {
        headers.put("Content-Encoding", "deflate");
        body = deflate(valid);
      }
      case 2 -> {
        headers.put("Content-Encoding", random.nextBoolean() ? "gzip" : "deflate");
        body = mutateBytes(random, gzip(valid));
      }
      case 3 -> {
        headers.put(
            "Content-Encoding", new String[] {"br", "gzip, gzip", "zstd", "x"}[random.nextInt(4)]);
        body = valid;
      }
      case 4 -> {
        headers.put("Content-Encoding", "gzip");
        body = random.nextInt(4) == 0 ? GzipBomb.BYTES : gzip(valid);
      }
      case 5 -> body = new String(valid, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
      case 6 -> body = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, valid);
      case 7 -> {
        body = valid.clone();
        body[random.nextInt(body.length)] = (byte) (0x80 + random.nextInt(128));
      }
      case 8 -> {
        headers.put("Content-Type", "application/json; charset=" + junk(random, 12));
        body = new String(valid, StandardCharsets.UTF_8).getBytes(StandardCharsets.ISO_8859_1);
      }
      default -> {
        headers.put("Transfer-Encoding", "chunked");
        body = chunked(random, valid);
      }
    }
    return new Request(
        "odd-encoding",
        "POST",
        INFER_TARGETS[random.nextInt(3)],
        headers,
        body,
        headers.containsKey("Transfer-Encoding") ? -1 : body.length,
        false);
  }

  /** A few kilobytes of gzip that inflate to 20 MiB of JSON, past the JSON limit; made once. */
  private static final class GzipBomb {
    static final byte[] BYTES =
        gzip(
            ("{\"inputs\":[" + " ".repeat(20 * 1024 * 1024) + "]}")
                .getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] chunked(Random random, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int n = Math.min(body.length - at, 1 + random.nextInt(64));
      String size = random.nextInt(20) == 0 ? "zz" : Integer.toHexString(n);
      out.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      at += n;
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private static Request randomBytes(Random random) {
    byte[] body = new byte[random.nextInt(4096)];
    random.nextBytes(body);
    String method = METHODS[random.nextInt(METHODS.length)];
    String target =
        random.nextBoolean()
            ? INFER_TARGETS[random.nextInt(INFER_TARGETS.length)]
            : GET_ROUTES[random.nextInt(GET_ROUTES.length)];
    Map<String, String> headers = new LinkedHashMap<>();
    if (random.nextBoolean()) {
      headers.put("Inference-Header-Content-Length", Integer.toString(random.nextInt(5000)));
    }
    return Request.of("random-bytes", method, target, headers, body);
  }

  private static Request randomTarget(Random random) {
    String target =
        switch (random.nextInt(8)) {
          case 0 -> "/v2/models/" + percentJunk(random, 1 + random.nextInt(40)) + "/infer";
          case 1 -> "/v2/models/" + "a".repeat(1 + random.nextInt(6000));
          case 2 -> "/v2/models/pump/infer?" + percentJunk(random, random.nextInt(200));
          case 3 -> "/v2/models/pump/infer/%zz";
          case 4 -> "//v2//models//pump";
          case 5 -> "/v2/models/../../etc/passwd";
          case 6 -> "/v2/models/pump/versions/" + random.nextLong() + "/infer";
          default -> "/" + percentJunk(random, random.nextInt(100));
        };
    Map<String, String> headers = new LinkedHashMap<>();
    if (random.nextInt(4) == 0) {
      headers.put("X-Junk", "v".repeat(random.nextInt(20_000)));
    }
    byte[] body =
        random.nextBoolean() ? validJson(random).getBytes(StandardCharsets.UTF_8) : new byte[0];
    return Request.of(
        "random-target", random.nextBoolean() ? "POST" : "GET", target, headers, body);
  }

  private static String mutate(Random random, String json) {
    return new String(
        mutateBytes(random, json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  /** One to eight random edits: flips, inserts, deletions, duplicated slices, a truncation. */
  private static byte[] mutateBytes(Random random, byte[] bytes) {
    List<Byte> out = new ArrayList<>(bytes.length + 16);
    for (byte b : bytes) {
      out.add(b);
    }
    byte[] interesting = "{}[],:\"0-9e.\\ntfu".getBytes(StandardCharsets.ISO_8859_1);
    int edits = 1 + random.nextInt(8);
    for (int e = 0; e < edits && !out.isEmpty(); e++) {
      int at = random.nextInt(out.size());
      switch (random.nextInt(5)) {
        case 0 -> out.set(at, (byte) (out.get(at) ^ (1 << random.nextInt(8))));
        case 1 ->
            out.add(
                at,
                random.nextBoolean()
                    ? interesting[random.nextInt(interesting.length)]
                    : (byte) random.nextInt(256));
        case 2 -> out.remove(at);
        case 3 -> {
          int length = Math.min(out.size() - at, 1 + random.nextInt(32));
          out.addAll(at, new ArrayList<>(out.subList(at, at + length)));
        }
        default -> out.subList(at, out.size()).clear();
      }
    }
    byte[] result = new byte[out.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = out.get(i);
    }
    return result;
  }

  private static String junk(Random random, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append((char) (0x21 + random.nextInt(0x5e)));
    }
    return text.toString();
  }

  private static String percentJunk(Random random, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      int b = random.nextInt(256);
      if (random.nextInt(10) == 0) {
        text.append('%').append("zq0GF".charAt(random.nextInt(5)));
      } else if (b >= 'a' && b <= 'z') {
        text.append((char) b);
      } else {
        text.append('%').append(String.format("%02X", b));
      }
    }
    return text.toString();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] deflate(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(out)) {
      deflate.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
