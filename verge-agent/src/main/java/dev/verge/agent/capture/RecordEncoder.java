package dev.verge.agent.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.verge.core.json.Json;
import dev.verge.core.oip.InferOutput;
import dev.verge.core.oip.InferResponseWriter;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A record's tensors as JSON text within its size cap, on the writer's thread: the protocol's
 * tensor form ({@code name}, {@code shape}, {@code datatype}, {@code data}), written by Jackson
 * straight from the arrays, without a tree. Past the cap the inputs' data goes first, then the
 * outputs'; a tensor without data keeps its name, shape and datatype, and says why in {@code
 * parameters.data_omitted}.
 */
final class RecordEncoder {
  static final String OMITTED = "data_omitted";
  // Streaming, from the arrays: the writer's thread encodes every record (a data-bound writer cost
  // the writer about as much as the store's insert).
  private static final JsonFactory FACTORY = Json.factory();

  private RecordEncoder() {}

  /** What one record keeps. */
  record Encoded(String outputsJson, String inputsJson, boolean omitted) {}

  /**
   * Encodes a record's tensors within {@code maxBytes}, outputs first.
   *
   * @param outputsJson the outputs already encoded (described), or null to encode {@code outputs}
   * @param inputs null when the policy does not record them
   * @param inputsJson the inputs already encoded (described), or null to encode {@code inputs}
   */
  static Encoded encode(
      List<Tensor> outputs,
      String outputsJson,
      List<Tensor> inputs,
      String inputsJson,
      int maxBytes) {
    boolean omitted = false;
    String out = outputsJson;
    if (out == null) {
      out = within(outputs, maxBytes);
      if (out == null) {
        out = described(outputs, maxBytes);
        omitted = true;
      }
    }
    String in = inputsJson;
    if (in == null && inputs != null) {
      in = within(inputs, maxBytes - out.length());
      if (in == null) {
        in = described(inputs, maxBytes);
        omitted = true;
      }
    }
    return new Encoded(out, in, omitted);
  }

  /**
   * Whether {@code tensors} could fit {@code maxBytes} at all: every element takes at least two
   * characters of JSON. Checked on the request's thread, so that data that cannot fit is not held
   * in the queue.
   */
  static boolean mayFit(List<Tensor> tensors, int maxBytes) {
    long least = 0;
    for (Tensor t : tensors) {
      least += 2L * Array.getLength(t.data());
    }
    return least <= maxBytes;
  }

  /** The heap {@code tensors} hold while they wait in the queue, roughly. */
  static long heldBytes(List<Tensor> tensors) {
    long bytes = 0;
    for (Tensor t : tensors) {
      Object data = t.data();
      int length = Array.getLength(data);
      bytes +=
          64
              + switch (data) {
                case double[] d -> 8L * length;
                case long[] l -> 8L * length;
                case float[] f -> 4L * length;
                case int[] i -> 4L * length;
                case short[] s -> 2L * length;
                case String[] strings -> {
                  long sum = 16L * length;
                  for (String s : strings) {
                    sum += s == null ? 0 : 2L * s.length();
                  }
                  yield sum;
                }
                default -> length;
              };
    }
    return bytes;
  }

  /** The tensors as JSON, or null when they take more than {@code maxBytes}. */
  static String within(List<Tensor> tensors, int maxBytes) {
    if (maxBytes <= 0 || !mayFit(tensors, maxBytes)) {
      return null;
    }
    Bounded out = new Bounded(maxBytes);
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      InferResponseWriter.tensors(generator, tensors);
    } catch (IOException | RuntimeException e) {
      // Jackson may hand the stop on as it is or wrapped; the flag says which it was.
      if (out.exceeded) {
        return null;
      }
      throw new IllegalStateException("cannot encode a prediction's tensors: " + e, e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The tensors' names, shapes and datatypes, their data left out for the cap. */
  static String described(List<Tensor> tensors, int maxBytes) {
    String reason = "over the record cap of " + maxBytes + " bytes";
    List<InferOutput> described = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      InferOutput d = TensorCodec.describe(t);
      described.add(
          new InferOutput(d.name(), d.shape(), d.datatype(), Map.of(OMITTED, reason), null));
    }
    return Json.writeString(described);
  }

  /** Stops the encoding as soon as it passes the cap, before the rest is written. */
  private static final class Bounded extends ByteArrayOutputStream {
    private final int limit;
    boolean exceeded;

    Bounded(int limit) {
      super(Math.min(limit, 512));
      this.limit = limit;
    }

    @Override
    public void write(int b) {
      check(1);
      super.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      check(len);
      super.write(b, off, len);
    }

    private void check(int more) {
      if (count + (long) more > limit) {
        exceeded = true;
        throw new CapExceeded();
      }
    }
  }

  /** Unchecked, as ByteArrayOutputStream's methods declare nothing; no stack trace to fill. */
  private static final class CapExceeded extends RuntimeException {
    CapExceeded() {
      super("over the record cap", null, false, false);
    }
  }
}
