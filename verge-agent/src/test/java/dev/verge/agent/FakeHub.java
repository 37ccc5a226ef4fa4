package dev.verge.agent;

import dev.verge.core.api.ApiError;
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
import dev.verge.http.Body;
import dev.verge.http.Exchange;
import dev.verge.http.HttpEdge;
import dev.verge.http.Limits;
import dev.verge.http.Route;
import dev.verge.http.RouteTable;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stand-in for the hub's device API: serves a desired state and bundles, and records what
 * the agent enrolls, polls, reports and forwards. Knobs make it fail the way real networks do. It
 * runs on the same HTTP edge as the real hub, and {@code FakeHubContractTest} holds its answers to
 * the real hub's. Each call is recorded before it is answered, so a test that saw the answer also
 * sees the record.
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

  private final HttpEdge server;
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

  /** The Content-Encoding of each prediction batch, in arrival order ("identity" for none). */
  public final List<String> batchEncodings = new CopyOnWriteArrayList<>();

  /** When set, compressed prediction batches are refused with 415, as an older hub would. */
  public volatile boolean refuseCompressedBatches;

  /** The next this many bundle downloads are answered 503, as a hub under maintenance does. */
  public final AtomicInteger failBundleDownloads = new AtomicInteger();

  /**
   * When 0 or more, a bundle download sends this many bytes and then nothing until {@link
   * #stallGate} opens, as a link that stops midway does.
   */
  public volatile int stallBundleAfter = -1;

  /** When set, only the bundle of this digest stalls; see {@link #stallBundleAfter}. */
  public volatile String stallDigest;

  /** What a stalled download waits for; see {@link #stallBundleAfter}. */
  public final CountDownLatch stallGate = new CountDownLatch(1);

  /**
   * When above 0, each bundle answer sends at most this many bytes of its body and then breaks the
   * connection off, as a link cut every few MB does.
   */
  public volatile int cutBundleEvery = -1;

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

  /** While true, event batches are answered 503, as by a hub that cannot be reached. */
  public final java.util.concurrent.atomic.AtomicBoolean eventsDown =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final Map<Long, dev.verge.core.api.DeviceEvent> events =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  private volatile DesiredState desired = new DesiredState("r0", List.of());

  /**
   * What {@code POST .../push} answers; null answers {@link #pushStatus} (the hub pushes nothing).
   */
  public volatile dev.verge.core.api.PushAccess pushAccess;

  /** 409 (no push configured) or 404 (a hub older than push), when {@link #pushAccess} is null. */
  public volatile int pushStatus = 409;

  /** Told of every request as it is answered (tests that watch when the agent calls). */
  public volatile java.util.function.Consumer<Call> onCall = call -> {};

  public FakeHub() {
    this(0);
  }

  /** A hub on {@code port} of loopback: a test takes a hub down and brings it back there. */
  public FakeHub(int port) {
    RouteTable routes =
        new RouteTable(
            List.of(
                Route.post(ApiPaths.ENROLL, x -> answer(x, enroll(x))),
                Route.get(
                    ApiPaths.DEVICE + "{id}" + ApiPaths.DESIRED_SUFFIX, x -> answer(x, desired(x))),
                Route.put(
                    ApiPaths.DEVICE + "{id}" + ApiPaths.REPORTED_SUFFIX,
                    x -> answer(x, reported(x))),
                Route.post(
                    ApiPaths.DEVICE + "{id}" + ApiPaths.PREDICTIONS_SUFFIX,
                    x -> answer(x, predictions(x))),
                Route.post(
                    ApiPaths.DEVICE + "{id}" + ApiPaths.EVENTS_SUFFIX, x -> answer(x, events(x))),
                Route.post(
                    ApiPaths.DEVICE + "{id}" + ApiPaths.PUSH_SUFFIX, x -> answer(x, push(x))),
                Route.get(ApiPaths.BUNDLES + "{digest}", x -> answer(x, bundle(x)))));
    server =
        HttpEdge.start(
            HttpEdge.Config.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                Limits.forThisHeap(16 << 20, 16 << 20)),
            routes);
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /** Publishes {@code bundle} and returns the desired-state entry that points at it. */
  public DesiredModel model(String name, long version, byte[] bundle, boolean rollback) {
    return model(name, version, bundle, rollback, 1);
  }

  /** As above, for the deployment {@code deploymentId}. */
  public DesiredModel model(
      String name, long version, byte[] bundle, boolean rollback, long deploymentId) {
    String digest = Digests.sha256Hex(bundle);
    bundles.put(digest, bundle);
    return new DesiredModel(name, version, digest, bundle.length, deploymentId, rollback);
  }

  public DesiredModel model(String name, long version, byte[] bundle) {
    return model(name, version, bundle, false);
  }

  /** Makes {@code models} the desired state, under a new revision. */
  public void desire(DesiredModel... models) {
    desired = new DesiredState("r" + revisions.incrementAndGet(), List.of(models));
  }

  /** Makes {@code models} the desired state with {@code beside} served beside them. */
  public void desire(List<DesiredModel> models, List<DesiredModel> beside) {
    desired = new DesiredState("r" + revisions.incrementAndGet(), models, beside);
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

  /** An answer decided but not yet sent, so the call can be recorded first. */
  private record Reply(int status, Map<String, String> headers, byte[] body, int stallAfter) {
    Reply(int status, Map<String, String> headers, byte[] body) {
      this(status, headers, body, -1);
    }

    static Reply json(int status, Object body) {
      return new Reply(status, Map.of("Content-Type", Body.JSON), Json.write(body));
    }

    static Reply error(int status, String message, String code) {
      return json(status, new ApiError(message, code));
    }
  }

  private void answer(Exchange exchange, Reply reply) throws IOException {
    Call call =
        new Call(
            exchange.method(),
            exchange.rawPath(),
            exchange.rawQuery(),
            exchange.header("If-None-Match"),
            exchange.header("Range"),
            exchange.header(ApiPaths.IDEMPOTENCY_KEY),
            reply.status());
    calls.add(call);
    onCall.accept(call);
    reply.headers().forEach(exchange::header);
    if (reply.body() == null) {
      exchange.empty(reply.status());
      return;
    }
    int cut = reply.status() / 100 == 2 ? cutBundleEvery : -1;
    if (cut > 0 && exchange.rawPath().startsWith(ApiPaths.BUNDLES) && reply.body().length > cut) {
      OutputStream out = exchange.stream(reply.status(), reply.body().length);
      out.write(reply.body(), 0, cut);
      out.flush();
      // Failing once the answer is under way makes the server abort the connection midway.
      throw new IOException("link cut after " + cut + " bytes");
    }
    try (OutputStream out = exchange.stream(reply.status(), reply.body().length)) {
      int stall = Math.min(reply.stallAfter(), reply.body().length);
      if (stall >= 0) {
        out.write(reply.body(), 0, stall);
        out.flush();
        await(stallGate);
        out.write(reply.body(), stall, reply.body().length - stall);
      } else {
        out.write(reply.body());
      }
    }
  }

  private Reply enroll(Exchange exchange) {
    if (!("Bearer " + TOKEN).equals(exchange.header("Authorization"))) {
      return Reply.error(401, "enrollment token is unknown or used", "UNAUTHORIZED");
    }
    enrollments.add(exchange.json(EnrollRequest.class));
    return Reply.json(201, new EnrollResponse(DEVICE_ID, CREDENTIAL));
  }

  /** The device credential for the path's device, or the hub's 401/403. */
  private static Reply refusal(Exchange exchange) {
    if (!("Bearer " + CREDENTIAL).equals(exchange.header("Authorization"))) {
      return Reply.error(401, "unknown device credential", "UNAUTHORIZED");
    }
    if (!exchange.param("id").equals(DEVICE_ID)) {
      return Reply.error(
          403,
          "the credential of device "
              + DEVICE_ID
              + " cannot act for device "
              + exchange.param("id"),
          "FORBIDDEN");
    }
    return null;
  }

  private Reply desired(Exchange exchange) {
    Reply refused = refusal(exchange);
    if (refused != null) {
      return refused;
    }
    desiredArrivals.incrementAndGet();
    await(desiredGate);
    DesiredState state = desired;
    String tag = "\"" + state.revision() + "\"";
    if (tag.equals(exchange.header("If-None-Match"))) {
      return new Reply(304, Map.of("ETag", tag), null);
    }
    return new Reply(200, Map.of("ETag", tag, "Content-Type", Body.JSON), Json.write(state));
  }

  private Reply push(Exchange exchange) {
    Reply refused = refusal(exchange);
    if (refused != null) {
      return refused;
    }
    dev.verge.core.api.PushAccess access = pushAccess;
    if (access != null) {
      return Reply.json(200, access);
    }
    return pushStatus == 404
        ? Reply.error(404, "no route", "NOT_FOUND")
        : Reply.error(pushStatus, "this hub pushes nothing: no MQTT broker configured", "CONFLICT");
  }

  private Reply reported(Exchange exchange) {
    Reply refused = refusal(exchange);
    if (refused != null) {
      return refused;
    }
    reports.add(exchange.json(ReportedState.class));
    return new Reply(204, Map.of(), null);
  }

  private Reply predictions(Exchange exchange) {
    Reply refused = refusal(exchange);
    if (refused != null) {
      return refused;
    }
    String encoding = exchange.header("Content-Encoding");
    batchEncodings.add(encoding == null ? "identity" : encoding);
    if (encoding != null && refuseCompressedBatches) {
      return Reply.error(415, "Content-Encoding " + encoding + " is not supported", "UNSUPPORTED");
    }
    byte[] body = exchange.bytes();
    if (failPredictionBatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return Reply.error(500, "database is down", "INTERNAL");
    }
    String key = exchange.header(ApiPaths.IDEMPOTENCY_KEY);
    if (key == null) {
      return Reply.error(400, "Idempotency-Key is missing", "BAD_REQUEST");
    }
    PredictionBatch batch = Json.read(body, PredictionBatch.class);
    if (batch.records().size() > maxBatchRecords) {
      return Reply.error(413, "batch over " + maxBatchRecords + " records", "BODY_TOO_LARGE");
    }
    if (batch.records().stream().anyMatch(r -> refusedRequestIds.contains(r.requestId()))) {
      return Reply.error(422, "a record is not acceptable", "BAD_REQUEST");
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
    return Reply.json(200, ack);
  }

  /** The events devices sent, once per sequence, in sequence order. */
  public List<dev.verge.core.api.DeviceEvent> events() {
    return new ArrayList<>(events.values());
  }

  private Reply events(Exchange exchange) {
    Reply refused = refusal(exchange);
    if (refused != null) {
      return refused;
    }
    byte[] body = exchange.bytes();
    if (eventsDown.get()) {
      return Reply.error(503, "the hub is down", "UNAVAILABLE");
    }
    dev.verge.core.api.EventBatch batch = Json.read(body, dev.verge.core.api.EventBatch.class);
    int added = 0;
    for (dev.verge.core.api.DeviceEvent event : batch.events()) {
      if (events.putIfAbsent(event.sequence(), event) == null) {
        added++;
      }
    }
    return Reply.json(200, new BatchAck(added, false));
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

  private Reply bundle(Exchange exchange) {
    if (!("Bearer " + CREDENTIAL).equals(exchange.header("Authorization"))) {
      return Reply.error(401, "unknown device credential", "UNAUTHORIZED");
    }
    String digest = exchange.param("digest");
    await(bundleGate);
    if (failBundleDownloads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return Reply.error(503, "the hub is under maintenance", "UNAVAILABLE");
    }
    byte[] bytes = substitutes.getOrDefault(digest, bundles.get(digest));
    if (bytes == null) {
      return Reply.error(404, "no published bundle " + digest, "NO_SUCH_BUNDLE");
    }
    String range = exchange.header("Range");
    Matcher matcher = range == null ? null : RANGE.matcher(range);
    if (matcher != null && matcher.matches() && !ignoreRange) {
      int from = Integer.parseInt(matcher.group(1));
      if (from >= bytes.length) {
        return new Reply(
            416,
            Map.of("Content-Range", "bytes */" + bytes.length, "Content-Type", Body.JSON),
            Json.write(new ApiError("range outside the bundle", "RANGE_NOT_SATISFIABLE")));
      }
      return new Reply(
          206,
          Map.of(
              "Content-Type",
              Body.BYTES,
              "Content-Range",
              "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length),
          Arrays.copyOfRange(bytes, from, bytes.length),
          stallAfter(digest));
    }
    return new Reply(200, Map.of("Content-Type", Body.BYTES), bytes, stallAfter(digest));
  }

  private int stallAfter(String digest) {
    String only = stallDigest;
    return only == null || only.equals(digest) ? stallBundleAfter : -1;
  }

  @Override
  public void close() {
    server.close();
  }
}
