package dev.verge.agent.serving;

import dev.verge.agent.AgentVersion;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.PredictionCapture;
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
      List.of("statistics", "binary_tensor_data", "classification", "model_repository");

  /**
   * The most a request body may carry, whatever the heap; the heap usually sets a lower limit
   * ({@link Limits#forThisHeap}): JSON text takes several times its size as a tree.
   */
  public static final long MAX_BODY_BYTES = 64L * 1024 * 1024;

  /** How long {@link #close()} lets requests in flight finish. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  static final String STATUS_PATH = "/verge/v1/status";

  /** Where applications push readings to a pipeline (issue 9). */
  static final String PIPELINE_READINGS = "/verge/v1/pipelines/{name}/readings";

  static final String METRICS_PATH = "/metrics";
  private static final String MODEL = "/v2/models/{name}";
  private static final String VERSION = MODEL + "/versions/{version}";
  private static final String REPOSITORY = "/v2/repository";
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
  private final PredictionCapture capture;
  private final boolean ownsCapture;
  private final Supplier<Optional<String>> notReady;
  private final Supplier<?> status;
  private final MetricsPage metrics;
  private final Inference inference;
  private final InFlight requests = new InFlight();
  private volatile ModelRepository repository;
  private volatile Route.Handler pipelineReadings;
  private volatile boolean loopback = true;
  private final LocalModels local;
  private final ConcurrencyLimit inferLimit;
  private HttpEdge edge;

  private InferenceServer(
      ModelRegistry registry,
      PredictionCapture capture,
      boolean ownsCapture,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      ServingMetrics servingMetrics,
      MetricsPage metrics,
      HealthCounters health,
      ServingLimits limits) {
    this.registry = registry;
    this.capture = capture;
    this.ownsCapture = ownsCapture;
    // A full store refuses every request that records: not ready until forwarding makes room.
    this.notReady =
        () -> notReady.get().or(() -> capture.refusal().map(why -> "not ready: " + why));
    this.status = status;
    this.metrics = metrics;
    this.inference =
        new Inference(registry, capture, new ModelStats(), servingMetrics, health, limits);
    this.inferLimit =
        new ConcurrencyLimit(
            limits.maxConcurrentRequests(), "infer calls (max-concurrent-requests)");
    this.repository = ModelRepository.readOnly(registry);
    this.local = new LocalModels(registry, inference, capture, this.notReady);
  }

  /**
   * Answers the model repository extension from {@code repository} (until called: the registry's
   * versions, with loading refused). Loading and unloading are answered only while the API is bound
   * to loopback: they are for a developer on the device, not for other hosts.
   */
  public void repository(ModelRepository repository) {
    this.repository = java.util.Objects.requireNonNull(repository, "repository");
  }

  /**
   * Answers {@code POST /verge/v1/pipelines/{name}/readings} with {@code handler} (the agent's push
   * pipelines); until called, or with null, every such request is a 404.
   */
  public void pipelineReadings(Route.Handler handler) {
    this.pipelineReadings = handler;
  }

  /**
   * The repository this server answers from, as it is when called (it is wired after start), for
   * another door that offers the same local control.
   */
  public ModelRepository repositoryView() {
    return new ModelRepository() {
      @Override
      public List<RepositoryEntry> index() {
        return repository.index();
      }

      @Override
      public void load(String name, Long version) {
        repository.load(name, version);
      }

      @Override
      public void unload(String name) {
        repository.unload(name);
      }
    };
  }

  /**
   * Starts serving on {@code address}.
   *
   * @param notReady why the agent cannot serve every model it should, empty when it can; the server
   *     adds a full prediction store, which refuses requests, to it
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
   * Starts serving, recording into {@code store} in {@link CaptureConfig.Mode#SYNC}: each answer
   * goes out once its record is committed. The server closes that capture; the store stays open.
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
    PredictionCapture capture =
        PredictionCapture.start(
            store, CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC), CaptureMetrics.NONE);
    try {
      return start(
          address,
          registry,
          capture,
          true,
          notReady,
          status,
          options,
          servingMetrics,
          metrics,
          health);
    } catch (RuntimeException e) {
      capture.close();
      throw e;
    }
  }

  /**
   * Starts serving, handing every answered prediction to {@code capture} (which the caller closes
   * after this server), telling {@code servingMetrics} and {@code health} of every inference and
   * answering {@code GET /metrics} with {@code metrics} (no such route with {@link
   * MetricsPage#NONE}).
   */
  public static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      PredictionCapture capture,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      Options options,
      ServingMetrics servingMetrics,
      MetricsPage metrics,
      HealthCounters health) {
    return start(
        address,
        registry,
        capture,
        false,
        notReady,
        status,
        options,
        servingMetrics,
        metrics,
        health);
  }

  private static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      PredictionCapture capture,
      boolean ownsCapture,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      Options options,
      ServingMetrics servingMetrics,
      MetricsPage metrics,
      HealthCounters health) {
    InferenceServer server =
        new InferenceServer(
            registry,
            capture,
            ownsCapture,
            notReady,
            status,
            servingMetrics,
            metrics,
            health,
            options.serving());
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
    server.loopback = address.getAddress() == null || address.getAddress().isLoopbackAddress();
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

  /**
   * The in-process API on the same models, serving core and statistics, for applications that embed
   * the agent and for the other doors.
   */
  public LocalModels local() {
    return local;
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
        Route.post(PIPELINE_READINGS, this::pipelineReadings)
            .summary(
                "Readings for a pipeline whose source is push: a JSON object, an array of them, or"
                    + " JSON lines; 202 once kept")
            .responds(202, Body.anyJson("{accepted, waiting}")));
    routes.add(
        Route.get("/v2/models/stats", x -> x.json(200, inference.statistics(null, null)))
            .summary("Statistics extension: every model and version")
            .responds(200, Body.json(ModelStatistics.class)));
    routes.add(
        Route.post(REPOSITORY + "/index", this::index)
            .summary(
                "Model repository extension: every model version known here, with state and"
                    + " reason")
            .accepts(Body.json(IndexRequest.class))
            .responds(200, Body.anyJson("a list of {name, version, state, reason}")));
    routes.add(
        Route.post(REPOSITORY + "/models/{name}/load", this::load)
            .summary(
                "Model repository extension: serve a model (parameters.version: that version, from"
                    + " a bundle kept here); loopback only; the hub's next desired-state change"
                    + " undoes it")
            .accepts(Body.json(ControlRequest.class)));
    routes.add(
        Route.post(REPOSITORY + "/models/{name}/unload", this::unload)
            .summary(
                "Model repository extension: stop serving every version of a model; loopback"
                    + " only; the hub's next desired-state change undoes it")
            .accepts(Body.json(ControlRequest.class)));
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

  private void pipelineReadings(Exchange x) throws IOException {
    Route.Handler handler = pipelineReadings;
    if (handler == null) {
      x.json(
          404,
          new dev.verge.core.api.ApiError(
              "no pipeline '" + x.param("name") + "' takes pushed readings", "NO_SUCH_PIPELINE"));
      return;
    }
    handler.handle(x);
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

  /** The body of {@code POST /v2/repository/index}; {@code ready}: list only the ready versions. */
  record IndexRequest(
      @com.fasterxml.jackson.annotation.JsonProperty("repository_name") String repositoryName,
      Boolean ready) {}

  /**
   * The body of a load or unload: Triton's {@code parameters}, of which Verge reads {@code version}
   * (a whole number, as a string or a number) on load.
   */
  record ControlRequest(java.util.Map<String, Object> parameters) {}

  private void index(Exchange x) throws IOException {
    IndexRequest request = x.jsonOrNull(IndexRequest.class);
    boolean readyOnly = request != null && Boolean.TRUE.equals(request.ready());
    List<RepositoryEntry> entries = repository.index();
    if (readyOnly) {
      entries = entries.stream().filter(e -> RepositoryEntry.READY.equals(e.state())).toList();
    }
    x.json(200, entries);
  }

  private void load(Exchange x) throws IOException {
    requireLocal("load");
    ControlRequest request = x.jsonOrNull(ControlRequest.class);
    repository.load(x.param("name"), requestedVersion(x.param("name"), request));
    x.empty(200);
  }

  private void unload(Exchange x) throws IOException {
    requireLocal("unload");
    x.jsonOrNull(ControlRequest.class); // Checked; Triton's unload_dependents has no use here.
    repository.unload(x.param("name"));
    x.empty(200);
  }

  /** As if bound beyond loopback (or back), for the tests of that refusal. */
  void loopbackForTests(boolean loopback) {
    this.loopback = loopback;
  }

  private void requireLocal(String what) {
    if (!loopback) {
      throw RepositoryException.beyondLoopback(what);
    }
  }

  private static Long requestedVersion(String name, ControlRequest request) {
    Object value =
        request == null || request.parameters() == null
            ? null
            : request.parameters().get("version");
    if (value == null) {
      return null;
    }
    String text = value.toString().strip();
    try {
      long version = Long.parseLong(text);
      if (version >= 1) {
        return version;
      }
    } catch (NumberFormatException e) {
      // Named below.
    }
    throw new dev.verge.core.oip.ProtocolException(
        "parameters.version of the load of '"
            + name
            + "' must be a whole number of 1 or more, got '"
            + text
            + "'");
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
      // Every version served, as Triton lists them; the signature is the one of the version leased.
      List<String> versions =
          registry.servedVersions(name).stream().map(v -> Long.toString(v)).toList();
      return new ModelMetadata(
          model.name(),
          versions.isEmpty() ? List.of(Long.toString(model.version())) : versions,
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
      capture.failed();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot count a failed request: " + e.getMessage());
    }
  }

  /** Waits briefly for the requests in flight, then stops serving. */
  @Override
  public void close() {
    requests.awaitIdle(CLOSE_GRACE);
    edge.close();
    if (ownsCapture) {
      capture.close();
    }
  }
}
