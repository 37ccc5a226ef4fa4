package dev.verge.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.api.ReportedState;
import dev.verge.core.bundle.Digests;
import dev.verge.core.json.Json;
import dev.verge.core.oip.ErrorBody;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stand-in for the hub's device API: serves a desired state and bundles, and records what
 * the agent enrolls, polls, reports and forwards. Knobs make it fail the way real networks do.
 */
public final class FakeHub implements AutoCloseable {
  public static final String TOKEN = "one-time-token";
  public static final String DEVICE_ID = "dev-1";
  public static final String CREDENTIAL = "device-credential-secret";

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

  /** One request as the hub saw it. */
  public record Call(
      String method,
      String path,
      String query,
      String ifNoneMatch,
      String range,
      String idempotencyKey,
      int status) {}

  private final HttpServer server;
  private final AtomicInteger revisions = new AtomicInteger();
  private final Map<String, byte[]> bundles = new ConcurrentHashMap<>();
  private final Map<String, Integer> batchSizes = new LinkedHashMap<>();
  private final Map<Long, PredictionRecord> predictions = new LinkedHashMap<>();

  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public final List<EnrollRequest> enrollments = new CopyOnWriteArrayList<>();
  public final List<ReportedState> reports = new CopyOnWriteArrayList<>();

  /** The next this many prediction batches are answered 500. */
  public final AtomicInteger failPredictionBatches = new AtomicInteger();

  /** Batches holding a prediction with one of these request ids are refused with 422. */
  public final java.util.Set<String> refusedRequestIds = ConcurrentHashMap.newKeySet();

  /** Batches of more records than this are refused with 413. */
  public volatile int maxBatchRecords = Integer.MAX_VALUE;

  /** When set, bundle downloads ignore Range and send the whole bundle. */
  public volatile boolean ignoreRange;

  /** When set, desired-state polls wait for it to open, as a long poll does. */
  public volatile CountDownLatch desiredGate;

  /** Desired-state polls that arrived, answered or not. */
  public final AtomicInteger desiredArrivals = new AtomicInteger();

  /** When set, bundle downloads wait for it to open. */
  public volatile CountDownLatch bundleGate;

  /** When set, the bytes served for this digest instead of the real ones. */
  public final Map<String, byte[]> substitutes = new ConcurrentHashMap<>();

  private volatile DesiredState desired = new DesiredState("r0", List.of());

  public FakeHub() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Publishes {@code bundle} and returns the desired-state entry that points at it. */
  public DesiredModel model(String name, long version, byte[] bundle, boolean rollback) {
    String digest = Digests.sha256Hex(bundle);
    bundles.put(digest, bundle);
    return new DesiredModel(name, version, digest, bundle.length, 1, rollback);
  }

  public DesiredModel model(String name, long version, byte[] bundle) {
    return model(name, version, bundle, false);
  }

  /** Makes {@code models} the desired state, under a new revision. */
  public void desire(DesiredModel... models) {
    desired = new DesiredState("r" + revisions.incrementAndGet(), List.of(models));
  }

  public DesiredState desired() {
    return desired;
  }

  public List<Call> calls(String method, String pathPart) {
    return calls.stream()
        .filter(c -> c.method().equals(method) && c.path().contains(pathPart))
        .toList();
  }

  public synchronized Map<String, Integer> batches() {
    return new LinkedHashMap<>(batchSizes);
  }

  public synchronized List<PredictionRecord> predictions() {
    return new ArrayList<>(predictions.values());
  }

  public ReportedState lastReport() {
    return reports.isEmpty() ? null : reports.getLast();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status;
      try {
        status = route(exchange);
      } catch (RuntimeException e) {
        status = send(exchange, 500, new ErrorBody("fake hub failed: " + e));
      }
      var headers = exchange.getRequestHeaders();
      calls.add(
          new Call(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              exchange.getRequestURI().getQuery(),
              headers.getFirst("If-None-Match"),
              headers.getFirst("Range"),
              headers.getFirst(ApiPaths.IDEMPOTENCY_KEY),
              status));
    }
  }

  private int route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    String bearer = exchange.getRequestHeaders().getFirst("Authorization");
    if (path.equals(ApiPaths.ENROLL) && method.equals("POST")) {
      if (!("Bearer " + TOKEN).equals(bearer)) {
        return send(exchange, 401, new ErrorBody("enrollment token is unknown or used"));
      }
      enrollments.add(Json.read(exchange.getRequestBody().readAllBytes(), EnrollRequest.class));
      return send(exchange, 201, new EnrollResponse(DEVICE_ID, CREDENTIAL));
    }
    if (!("Bearer " + CREDENTIAL).equals(bearer)) {
      return send(exchange, 401, new ErrorBody("unknown device credential"));
    }
    if (path.equals(ApiPaths.desired(DEVICE_ID)) && method.equals("GET")) {
      desiredArrivals.incrementAndGet();
      await(desiredGate);
      DesiredState state = desired;
      String tag = "\"" + state.revision() + "\"";
      if (tag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
        exchange.sendResponseHeaders(304, -1);
        return 304;
      }
      exchange.getResponseHeaders().set("ETag", tag);
      return send(exchange, 200, state);
    }
    if (path.equals(ApiPaths.reported(DEVICE_ID)) && method.equals("PUT")) {
      reports.add(Json.read(exchange.getRequestBody().readAllBytes(), ReportedState.class));
      exchange.sendResponseHeaders(204, -1);
      return 204;
    }
    if (path.equals(ApiPaths.predictions(DEVICE_ID)) && method.equals("POST")) {
      return predictions(exchange);
    }
    if (path.startsWith(ApiPaths.BUNDLES) && method.equals("GET")) {
      return bundle(exchange, path.substring(ApiPaths.BUNDLES.length()));
    }
    return send(exchange, 404, new ErrorBody("no route " + method + " " + path));
  }

  private int predictions(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (failPredictionBatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return send(exchange, 500, new ErrorBody("database is down"));
    }
    String key = exchange.getRequestHeaders().getFirst(ApiPaths.IDEMPOTENCY_KEY);
    if (key == null) {
      return send(exchange, 400, new ErrorBody("Idempotency-Key is missing"));
    }
    PredictionBatch batch = Json.read(body, PredictionBatch.class);
    if (batch.records().size() > maxBatchRecords) {
      return send(exchange, 413, new ErrorBody("batch over " + maxBatchRecords + " records"));
    }
    if (batch.records().stream().anyMatch(r -> refusedRequestIds.contains(r.requestId()))) {
      return send(exchange, 422, new ErrorBody("a record is not acceptable"));
    }
    BatchAck ack;
    synchronized (this) {
      if (batchSizes.containsKey(key)) {
        ack = new BatchAck(0, true);
      } else {
        batchSizes.put(key, batch.records().size());
        int accepted = 0;
        for (PredictionRecord record : batch.records()) {
          if (predictions.putIfAbsent(record.sequence(), record) == null) {
            accepted++;
          }
        }
        ack = new BatchAck(accepted, false);
      }
    }
    return send(exchange, 200, ack);
  }

  private static void await(CountDownLatch gate) {
    if (gate == null) {
      return;
    }
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("gate stayed closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted at the gate", e);
    }
  }

  private int bundle(HttpExchange exchange, String digest) throws IOException {
    await(bundleGate);
    byte[] bytes = substitutes.getOrDefault(digest, bundles.get(digest));
    if (bytes == null) {
      return send(exchange, 404, new ErrorBody("no bundle " + digest));
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    String range = exchange.getRequestHeaders().getFirst("Range");
    Matcher matcher = range == null ? null : RANGE.matcher(range);
    if (matcher != null && matcher.matches() && !ignoreRange) {
      int from = Integer.parseInt(matcher.group(1));
      if (from >= bytes.length) {
        exchange.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
        return send(exchange, 416, new ErrorBody("range outside the bundle"));
      }
      exchange
          .getResponseHeaders()
          .set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
      byte[] rest = Arrays.copyOfRange(bytes, from, bytes.length);
      exchange.sendResponseHeaders(206, rest.length);
      exchange.getResponseBody().write(rest);
      return 206;
    }
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    return 200;
  }

  private static int send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = Json.write(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    return status;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
