package dev.verge.agent.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.verge.agent.AgentVersion;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.StoreException;
import dev.verge.core.json.Json;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.ErrorBody;
import dev.verge.core.oip.ModelMetadata;
import dev.verge.core.oip.ServerMetadata;
import dev.verge.runtime.LoadedModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * The local inference API: the Open Inference Protocol's REST endpoints (health, metadata, infer,
 * the statistics and the binary tensor data extensions) plus {@code GET /verge/v1/status} for
 * operators. JDK HTTP server, one virtual thread per request.
 */
public final class InferenceServer implements AutoCloseable {
  public static final String SERVER_NAME = "verge-agent";

  /** The protocol extensions this server implements; only these are announced. */
  public static final List<String> EXTENSIONS = List.of("statistics", "binary_tensor_data");

  /** Larger request bodies are refused with 413 before they are read into memory. */
  public static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  /** How long {@link #close()} lets requests in flight finish. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  static final String STATUS_PATH = "/verge/v1/status";
  static final String METRICS_PATH = "/metrics";
  private static final String MODELS_PREFIX = "/v2/models/";
  private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());

  private final HttpServer server;
  private final ExecutorService executor;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final Supplier<Optional<String>> notReady;
  private final Supplier<?> status;
  private final MetricsPage metrics;
  private final ModelStats stats = new ModelStats();
  private final Inference inference;
  private final InFlight requests = new InFlight();

  private InferenceServer(
      HttpServer server,
      ExecutorService executor,
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      ServingMetrics servingMetrics,
      MetricsPage metrics) {
    this.server = server;
    this.executor = executor;
    this.registry = registry;
    this.store = store;
    this.notReady = notReady;
    this.status = status;
    this.metrics = metrics;
    this.inference = new Inference(registry, store, stats, servingMetrics);
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
    return start(address, registry, store, notReady, status, ServingMetrics.NONE, MetricsPage.NONE);
  }

  /** Starts serving, telling {@code servingMetrics} of requests and answering {@code /metrics}. */
  public static InferenceServer start(
      InetSocketAddress address,
      ModelRegistry registry,
      AgentStore store,
      Supplier<Optional<String>> notReady,
      Supplier<?> status,
      ServingMetrics servingMetrics,
      MetricsPage metrics) {
    HttpServer http;
    try {
      http = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": "
              + e.getMessage(),
          e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    InferenceServer server =
        new InferenceServer(
            http, executor, registry, store, notReady, status, servingMetrics, metrics);
    http.setExecutor(executor);
    http.createContext("/", server::handle);
    http.start();
    return server;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) {
    requests.begin();
    try (exchange) {
      try {
        route(exchange);
      } catch (RuntimeException e) {
        fail(exchange, e);
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "client went away: {0}", e.getMessage());
    } finally {
      requests.end();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    switch (path) {
      case "/v2", "/v2/" -> {
        requireGet(exchange);
        sendJson(exchange, 200, new ServerMetadata(SERVER_NAME, AgentVersion.CURRENT, EXTENSIONS));
      }
      case "/v2/health/live" -> {
        requireGet(exchange);
        sendEmpty(exchange, 200);
      }
      case "/v2/health/ready" -> {
        requireGet(exchange);
        Optional<String> reason = notReady.get();
        if (reason.isEmpty()) {
          sendEmpty(exchange, 200);
        } else {
          sendJson(exchange, 503, new ErrorBody(reason.get()));
        }
      }
      case STATUS_PATH -> {
        requireGet(exchange);
        sendJson(exchange, 200, status.get());
      }
      case METRICS_PATH -> {
        requireGet(exchange);
        var headers = exchange.getRequestHeaders();
        var page = metrics.render(headers.getFirst("Accept"), headers.getFirst("Authorization"));
        if (page == null) {
          throw RequestException.noSuchEndpoint(method, path);
        }
        page.headers().forEach(exchange.getResponseHeaders()::set);
        sendBytes(exchange, page.status(), page.body(), page.contentType());
      }
      default -> {
        if (!path.startsWith(MODELS_PREFIX)) {
          throw RequestException.noSuchEndpoint(method, path);
        }
        model(exchange, path);
      }
    }
  }

  /** {@code /v2/models/{name}[/versions/{version}][/ready|/infer|/stats]}. */
  private void model(HttpExchange exchange, String path) throws IOException {
    String method = exchange.getRequestMethod();
    String[] parts = path.substring(MODELS_PREFIX.length()).split("/", -1);
    String name = parts[0];
    if (name.isEmpty()) {
      throw RequestException.noSuchEndpoint(method, path);
    }
    Long version = null;
    int next = 1;
    if (parts.length >= 3 && parts[1].equals("versions")) {
      version = version(name, parts[2]);
      next = 3;
    }
    String action = parts.length > next ? parts[next] : "";
    if (parts.length > next + 1) {
      throw RequestException.noSuchEndpoint(method, path);
    }
    switch (action) {
      case "" -> {
        requireGet(exchange);
        sendJson(exchange, 200, metadata(name, version));
      }
      case "ready" -> {
        requireGet(exchange);
        registry.acquire(name, version).close();
        sendEmpty(exchange, 200);
      }
      case "stats" -> {
        requireGet(exchange);
        Long active = registry.activeVersion(name).orElse(null);
        if (active == null && !stats.knows(name)) {
          throw new ModelNotFoundException(name, version);
        }
        sendJson(exchange, 200, stats.of(name, version, active));
      }
      case "infer" -> {
        if (!exchange.getRequestMethod().equals("POST")) {
          throw RequestException.methodNotAllowed(method, path, "POST");
        }
        infer(exchange, name, version);
      }
      default -> throw RequestException.noSuchEndpoint(method, path);
    }
  }

  private static Long version(String name, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw ModelNotFoundException.noSuchVersion(name, text);
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

  private void infer(HttpExchange exchange, String name, Long version) throws IOException {
    byte[] response;
    int headerLength = -1;
    try {
      byte[] body = readBody(exchange);
      String binaryHeader = exchange.getRequestHeaders().getFirst(BinaryTensors.HEADER);
      Inference.Answer answer = inference.run(name, version, body, binaryHeader);
      response = Json.write(answer.response());
      if (answer.binary() != null) {
        headerLength = response.length;
        byte[] json = response;
        response = new byte[json.length + answer.binary().length];
        System.arraycopy(json, 0, response, 0, json.length);
        System.arraycopy(answer.binary(), 0, response, json.length, answer.binary().length);
      }
    } catch (RuntimeException e) {
      countFailure();
      throw e;
    }
    if (headerLength < 0) {
      sendBytes(exchange, 200, response);
    } else {
      exchange.getResponseHeaders().set(BinaryTensors.HEADER, Integer.toString(headerLength));
      sendBytes(exchange, 200, response, BinaryTensors.CONTENT_TYPE);
    }
  }

  private void countFailure() {
    try {
      store.countFailure();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot count a failed request: " + e.getMessage());
    }
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > MAX_BODY_BYTES) {
          throw RequestException.bodyTooLarge(MAX_BODY_BYTES);
        }
      } catch (NumberFormatException e) {
        // The server refuses malformed lengths before this handler runs.
      }
    }
    InputStream in = exchange.getRequestBody();
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding != null) {
      switch (encoding.strip().toLowerCase(Locale.ROOT)) {
        case "gzip", "x-gzip" -> in = new GZIPInputStream(in);
        case "deflate" -> in = new InflaterInputStream(in);
        case "identity", "" -> {}
        default -> throw RequestException.unsupportedEncoding(encoding);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) > 0; ) {
      if (out.size() + n > MAX_BODY_BYTES) {
        throw RequestException.bodyTooLarge(MAX_BODY_BYTES);
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  private static void requireGet(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw RequestException.methodNotAllowed(
          method, exchange.getRequestURI().getPath(), "GET, HEAD");
    }
  }

  private static void fail(HttpExchange exchange, RuntimeException e) throws IOException {
    if (exchange.getResponseCode() != -1) {
      LOG.log(
          System.Logger.Level.WARNING, "request failed after its answer began: " + e.getMessage());
      return;
    }
    HttpErrors.Failure failure = HttpErrors.of(e);
    if (failure.allow() != null) {
      exchange.getResponseHeaders().set("Allow", failure.allow());
    }
    sendJson(exchange, failure.status(), new ErrorBody(failure.message()));
  }

  private static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    sendBytes(exchange, status, Json.write(body));
  }

  private static void sendBytes(HttpExchange exchange, int status, byte[] body) throws IOException {
    sendBytes(exchange, status, body, "application/json");
  }

  private static void sendBytes(HttpExchange exchange, int status, byte[] body, String type)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    exchange.getResponseBody().write(body);
  }

  private static void sendEmpty(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
  }

  /** Waits briefly for the requests in flight, then stops serving. */
  @Override
  public void close() {
    requests.awaitIdle(CLOSE_GRACE);
    server.stop(0);
    executor.close();
  }
}
