package dev.verge.agent.serving;

import dev.verge.agent.AgentVersion;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.StoreException;
import dev.verge.core.api.ApiError;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.InferResponse;
import dev.verge.core.oip.ModelMetadata;
import dev.verge.core.oip.ServerMetadata;
import dev.verge.core.oip.TensorBudget;
import dev.verge.http.Body;
import dev.verge.http.ConcurrencyLimit;
import dev.verge.http.Exchange;
import dev.verge.http.HttpEdge;
import dev.verge.http.HttpFailure;
import dev.verge.http.Limits;
import dev.verge.http.RequestObserver;
import dev.verge.http.Route;
import dev.verge.http.RouteTable;
import dev.verge.runtime.LoadedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The local inference API: the Open Inference Protocol's REST endpoints (health, metadata, infer,
 * the statistics and the binary tensor data extensions) plus {@code GET /verge/v1/status} for
 * operators, as a route table on the shared HTTP edge.
 */
public final class InferenceServer implements AutoCloseable {
  public static final String SERVER_NAME = "verge-agent";

  /** The protocol extensions this server implements; only these are announced. */
  public static final List<String> EXTENSIONS =
      List.of("statistics", "binary_tensor_data", "classification");

  /**
   * The most a request body may carry, whatever the heap; the heap usually sets a lower limit
   * ({@link Limits#forThisHeap}): JSON text takes several times its size as a tree.
   */
  public static final long MAX_BODY_BYTES = 64L * 1024 * 1024;

  /** How long {@link #close()} lets requests in flight finish. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  static final String STATUS_PATH = "/verge/v1/status";
  static final String METRICS_PATH = "/metrics";
  private static final String MODEL = "/v2/models/{name}";
  private static final String VERSION = MODEL + "/versions/{version}";
  private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());

  /**
   * How the server is set up; {@link #defaults} for the agent's own.
   *
   * @param serving what requests may take: tensor bytes each, bytes in flight, infer calls at once
   */
  public record Options(
      Limits limits, Duration idleTimeout, RequestObserver observer, ServingLimits serving) {
    public Options(Limits limits, Duration idleTimeout, RequestObserver observer) {
      this(limits, idleTimeout, observer, ServingLimits.defaults());
    }

    public static Options defaults() {
      return new Options(
          Limits.forThisHeap(MAX_BODY_BYTES, MAX_BODY_BYTES),
          HttpEdge.Config.DEFAULT_IDLE_TIMEOUT,
          RequestObserver.NONE,
          ServingLimits.defaults());
    }

    public Options withServing(ServingLimits limits) {
      return new Options(this.limits, idleTimeout, observer, limits);
    }
  }

  private final ModelRegistry registry;
  private final AgentStore store;
  private final Supplier<Optional<String>> notReady;
  private final Supplier<?> status;
  private final MetricsPage metrics;
  private final Inference inference;
  private final InFlight requests = new InFlight();
  private final ConcurrencyLimit inferLimit;
  private HttpEdge edge;

  private InferenceServer(
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      ServingMetrics servingMetrics,
      MetricsPage metrics,
      HealthCounters health,
      ServingLimits limits) {
    this.registry = registry;
    this.store = store;
    this.notReady = notReady;
    this.status = status;
    this.metrics = metrics;
    this.inference =
        new Inference(registry, store, new ModelStats(), servingMetrics, health, limits);
    this.inferLimit =
        new ConcurrencyLimit(
            limits.maxConcurrentRequests(), "infer calls (max-concurrent-requests)");
  }

  /**
   * Starts serving on {@code address}.
   *
   * @param notReady why the agent cannot serve every model it should, empty when it can
   * @param status the operator status document for {@code GET /verge/v1/status}
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status) {
    return start(address, registry, store, notReady, status, Options.defaults());
  }

  public static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      Options options) {
    return start(
        address,
        registry,
        store,
        notReady,
        status,
        options,
        ServingMetrics.NONE,
        MetricsPage.NONE,
        new HealthCounters(Clock.systemUTC(), List.of()));
  }

  /**
   * Starts serving, telling {@code servingMetrics} and {@code health} of every inference and
   * answering {@code GET /metrics} with {@code metrics} (no such route with {@link
   * MetricsPage#NONE}).
   */
  public static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      Options options,
      ServingMetrics servingMetrics,
      MetricsPage metrics,
      HealthCounters health) {
    InferenceServer server =
        new InferenceServer(
            registry, store, notReady, status, servingMetrics, metrics, health, options.serving());
    HttpEdge.Config config =
        HttpEdge.Config.of(address, options.limits())
            .idleTimeout(options.idleTimeout())
            .stopGrace(CLOSE_GRACE)
            .failures(new AgentFailures())
            .observer(options.observer())
            // Room for every infer call the limit lets through and as many cheap calls (health,
            // metadata, metrics) besides, so the limit refuses before Jetty's pool would queue.
            .maxConcurrentRequests(
                options.serving().maxConcurrentRequests()
                    + HttpEdge.Config.DEFAULT_MAX_CONCURRENT_REQUESTS);
    server.edge = HttpEdge.start(config, server.routes());
    return server;
  }

  public int port() {
    return edge.port();
  }

  /** Infer calls running now, under the {@code max-concurrent-requests} limit. */
  public int inferCallsRunning() {
    return inferLimit.running();
  }

  /** The bytes the requests in flight hold now (bodies, tensors, answers). */
  public long bytesInFlight() {
    return inference.bytesInFlight();
  }

  /** The serving core behind this server, for the other doors (gRPC, the in-process API). */
  public Inference inference() {
    return inference;
  }

  /** The Open Inference Protocol's routes and the operator status. */
  RouteTable routes() {
    List<Route> routes = new ArrayList<>();
    ServerMetadata metadata = new ServerMetadata(SERVER_NAME, AgentVersion.CURRENT, EXTENSIONS);
    routes.add(
        Route.get("/v2", x -> x.json(200, metadata))
            .summary("Server metadata")
            .responds(200, Body.json(ServerMetadata.class)));
    routes.add(Route.get("/v2/", x -> x.json(200, metadata)).summary("Server metadata"));
    routes.add(Route.get("/v2/health/live", x -> x.empty(200)).summary("Liveness"));
    routes.add(
        Route.get("/v2/health/ready", this::ready)
            .summary("Readiness: 503 with the reason while a model it should serve is missing"));
    routes.add(
        Route.get(STATUS_PATH, x -> x.json(200, status.get()))
            .summary("Operator status")
            .responds(200, Body.anyJson("the agent's status")));
    if (metrics != MetricsPage.NONE) {
      routes.add(
          Route.get(METRICS_PATH, this::metrics)
              .summary(
                  "Prometheus metrics; open on loopback, else with the metrics token as bearer")
              .responds(200, new Body("text/plain; version=0.0.4", null, "the metrics")));
    }
    routes.add(
        Route.get("/v2/models/stats", x -> x.json(200, inference.statistics(null, null)))
            .summary("Statistics extension: every model and version")
            .responds(200, Body.json(ModelStatistics.class)));
    for (String model : List.of(MODEL, VERSION)) {
      routes.add(
          Route.get(model, x -> x.json(200, metadata(x.param("name"), version(x))))
              .summary("Model metadata")
              .responds(200, Body.json(ModelMetadata.class)));
      routes.add(
          Route.get(
                  model + "/ready",
                  x -> {
                    registry.acquire(x.param("name"), version(x)).close();
                    x.empty(200);
                  })
              .summary("Model readiness"));
      routes.add(
          Route.get(model + "/stats", this::stats)
              .summary("Statistics extension")
              .responds(200, Body.json(ModelStatistics.class)));
      routes.add(
          Route.post(model + "/infer", inferLimit.around(this::infer))
              .summary("Inference: JSON tensors or the binary tensor data extension")
              .accepts(Body.json(InferRequest.class))
              .responds(200, Body.json(InferResponse.class)));
    }
    List<Route> counted = new ArrayList<>();
    for (Route route : routes) {
      Route.Handler handler = route.handler();
      counted.add(
          new Route(
              route.method(),
              route.template(),
              route.guard(),
              route.summary(),
              route.request(),
              route.status(),
              route.response(),
              x -> {
                requests.begin();
                try {
                  handler.handle(x);
                } finally {
                  requests.end();
                }
              }));
    }
    return new RouteTable(counted);
  }

  private void metrics(Exchange x) throws IOException {
    MetricsPage.Page page = metrics.render(x.header("Accept"), x.header("Authorization"));
    page.headers().forEach(x::header);
    x.bytes(page.status(), page.contentType(), page.body());
  }

  private void ready(Exchange x) throws IOException {
    Optional<String> reason = notReady.get();
    if (reason.isEmpty()) {
      x.empty(200);
    } else {
      x.json(503, new ApiError(reason.get(), "NOT_READY"));
    }
  }

  private void stats(Exchange x) throws IOException {
    x.json(200, inference.statistics(x.param("name"), version(x)));
  }

  /** The version the path names, null for the active one. */
  private static Long version(Exchange x) {
    if (!x.route().template().equals(VERSION) && !x.route().template().startsWith(VERSION + "/")) {
      return null;
    }
    String text = x.param("version");
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw ModelNotFoundException.noSuchVersion(x.param("name"), text);
    }
  }

  private ModelMetadata metadata(String name, Long version) {
    try (ModelRegistry.Lease lease = registry.acquire(name, version)) {
      LoadedModel model = lease.model();
      return new ModelMetadata(
          model.name(),
          List.of(Long.toString(model.version())),
          ModelMetadata.PLATFORM_ONNX,
          model.inputs(),
          model.outputs());
    }
  }

  private void infer(Exchange x) throws IOException {
    String name = x.param("name");
    Long version = version(x);
    // Held until the answer is out: the body, the tensors and the answer's bytes.
    try (TensorBudget budget = inference.budget()) {
      RestInfer.Encoded answer;
      try {
        String binaryHeader = x.header(BinaryTensors.HEADER);
        Limits limits = x.limits();
        // All-JSON bodies become a tree: the JSON limit. Binary tensors cost their size.
        long limit = binaryHeader == null ? limits.jsonBytes() : limits.bodyBytes();
        long held = bodyHold(x, limit);
        budget.hold("the body of an infer request", held);
        byte[] body =
            binaryHeader == null
                ? x.bytes(limit, "a JSON infer request")
                : x.bytes(limit, "an infer request");
        budget.release(held - body.length);
        if (body.length == 0) {
          throw new HttpFailure.BadRequest(
              "the request body is empty; expected an infer request: {\"inputs\": [...]}");
        }
        if (binaryHeader != null) {
          requireJsonPart(binaryHeader, limits);
        }
        RestInfer rest = new RestInfer(body, binaryHeader);
        answer = inference.run(name, version, rest, rest::encode, budget);
      } catch (RuntimeException e) {
        countFailure();
        throw e;
      }
      if (answer.jsonLength() < 0) {
        x.bytes(200, Body.JSON, answer.bytes());
      } else {
        x.header(BinaryTensors.HEADER, Integer.toString(answer.jsonLength()));
        x.bytes(200, BinaryTensors.CONTENT_TYPE, answer.bytes());
      }
    }
  }

  /**
   * What the body may take before it is read: its declared length, or the whole limit when it has
   * none or is compressed (a few kilobytes of gzip may decode to the limit).
   */
  private static long bodyHold(Exchange x, long limit) {
    long declared = x.contentLength();
    String encoding = x.header("Content-Encoding");
    boolean plain = encoding == null || encoding.isBlank() || encoding.strip().equals("identity");
    return declared >= 0 && plain ? Math.min(declared, limit) : limit;
  }

  private static void requireJsonPart(String header, Limits limits) {
    try {
      if (Long.parseLong(header.strip()) > limits.jsonBytes()) {
        throw new HttpFailure.BodyTooLarge("the JSON part of an infer request", limits.jsonBytes());
      }
    } catch (NumberFormatException e) {
      // BinaryTensors.headerLength names the malformed header.
    }
  }

  private void countFailure() {
    try {
      store.countFailure();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot count a failed request: " + e.getMessage());
    }
  }

  /** Waits briefly for the requests in flight, then stops serving. */
  @Override
  public void close() {
    requests.awaitIdle(CLOSE_GRACE);
    edge.close();
  }
}
