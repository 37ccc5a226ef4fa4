package dev.verge.cli.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.ApiError;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.EventView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import dev.verge.core.api.PublisherKeyRequest;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.RolloutAction;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLException;

/** The hub's management API, as the CLI and the demo call it. */
public final class HubAdminClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration TLS_WATCH = Duration.ofSeconds(1);

  /** Error bodies are a line of JSON; more is not read. */
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final URI hub;
  private final String token;
  private final HttpClient http;

  public HubAdminClient(URI hub, String token) {
    this.hub = hub;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  }

  public URI hub() {
    return hub;
  }

  public PublisherKeyView trustPublisherKey(String name, String publicKeyPem) {
    return send(
        post(ApiPaths.PUBLISHER_KEYS, new PublisherKeyRequest(name, publicKeyPem)),
        PublisherKeyView.class);
  }

  public List<PublisherKeyView> publisherKeys() {
    return send(get(ApiPaths.PUBLISHER_KEYS), new TypeReference<>() {});
  }

  /**
   * Uploads a bundle file.
   *
   * @param progress told the bytes sent so far as the upload goes
   */
  public ModelVersionView publish(Path bundle, LongConsumer progress) {
    long size;
    try {
      size = Files.size(bundle);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundle " + bundle, e);
    }
    HttpRequest.BodyPublisher body =
        HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(
                () -> {
                  try {
                    return new CountingStream(Files.newInputStream(bundle), progress);
                  } catch (IOException e) {
                    throw new UncheckedIOException("cannot read bundle " + bundle, e);
                  }
                }),
            size);
    return send(
        request(ApiPaths.MODELS)
            .header("Content-Type", "application/octet-stream")
            .POST(body)
            .build(),
        ModelVersionView.class);
  }

  public List<ModelView> models() {
    return send(get(ApiPaths.MODELS), new TypeReference<>() {});
  }

  public ModelView model(String name) {
    return send(get(ApiPaths.MODELS + "/" + name), ModelView.class);
  }

  public ModelVersionView modelVersion(String name, long version) {
    return send(get(ApiPaths.MODELS + "/" + name + "/versions/" + version), ModelVersionView.class);
  }

  /**
   * Downloads a bundle by digest to {@code out} (written atomically).
   *
   * @param progress told the bytes received so far as the download goes
   */
  public void download(String digest, Path out, LongConsumer progress) {
    HttpRequest request = request(ApiPaths.bundle(digest)).GET().build();
    HttpResponse<InputStream> response =
        exchange(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw error(
            response.statusCode(),
            new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8));
      }
      Path target = out.toAbsolutePath();
      Files.createDirectories(target.getParent());
      Path temp = Files.createTempFile(target.getParent(), ".download-", ".part");
      try {
        try (OutputStream file = Files.newOutputStream(temp)) {
          new CountingStream(in, progress).transferTo(file);
        }
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new HubClientException("download of bundle " + digest + " broke: " + e.getMessage(), e);
    }
  }

  public EnrollmentToken createEnrollmentToken(Long ttlSeconds, String note) {
    return send(
        post(ApiPaths.ENROLLMENT_TOKENS, new EnrollmentTokenRequest(ttlSeconds, note)),
        EnrollmentToken.class);
  }

  /** Every enrolled device, following the pages of {@link #devicePage} to the last. */
  public List<DeviceView> devices() {
    return devices(null, null);
  }

  /**
   * Every device the selector and status pick (each may be null), page after page.
   *
   * @throws HubClientException when the hub refuses the search (a malformed selector)
   */
  public List<DeviceView> devices(String selector, String status) {
    List<DeviceView> all = new ArrayList<>();
    String cursor = null;
    do {
      DevicePage page = devicePage(selector, status, MAX_DEVICE_PAGE, cursor);
      all.addAll(page.items());
      cursor = page.nextCursor();
    } while (cursor != null);
    return all;
  }

  /** The hub's largest page of devices. */
  public static final int MAX_DEVICE_PAGE = 1000;

  /**
   * One page of {@code GET /api/v1/devices}.
   *
   * @param selector a label selector, null for every device
   * @param status {@code online} or {@code offline}, null for both
   * @param cursor the previous page's {@code nextCursor}, null for the first page
   */
  public DevicePage devicePage(String selector, String status, int limit, String cursor) {
    StringBuilder query = new StringBuilder("?limit=").append(limit);
    if (selector != null && !selector.isBlank()) {
      query.append("&selector=").append(URLEncoder.encode(selector, StandardCharsets.UTF_8));
    }
    if (status != null) {
      query.append("&status=").append(URLEncoder.encode(status, StandardCharsets.UTF_8));
    }
    if (cursor != null) {
      query.append("&cursor=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    }
    return send(get(ApiPaths.DEVICES + query), DevicePage.class);
  }

  public DeviceView device(String id) {
    return send(get(ApiPaths.DEVICES + "/" + id), DeviceView.class);
  }

  public DeploymentView deploy(DeploymentRequest deployment) {
    return send(post(ApiPaths.DEPLOYMENTS, deployment), DeploymentView.class);
  }

  public List<DeploymentView> deployments() {
    return send(get(ApiPaths.DEPLOYMENTS), new TypeReference<>() {});
  }

  public DeploymentView deployment(long id) {
    return send(get(ApiPaths.deployment(id)), DeploymentView.class);
  }

  /**
   * Pauses, resumes, aborts or rolls back a rollout by hand.
   *
   * @param action one of {@link ApiPaths#ROLLOUT_ACTIONS}
   * @param reason recorded with the transition; null for the hub's default
   */
  public DeploymentView rolloutAction(long id, String action, String reason) {
    if (!ApiPaths.ROLLOUT_ACTIONS.contains(action)) {
      throw new IllegalArgumentException(
          "unknown rollout action '" + action + "'; one of " + ApiPaths.ROLLOUT_ACTIONS);
    }
    return send(
        post(ApiPaths.rolloutAction(id, action), new RolloutAction(reason)), DeploymentView.class);
  }

  /** Sets and removes operator labels of a device; answers the device as it is now. */
  public DeviceView changeLabels(String deviceId, LabelChange change) {
    return send(
        request(ApiPaths.labels(deviceId))
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Json.write(change)))
            .build(),
        DeviceView.class);
  }

  /** Which deployment gives the device each model, and which ones it overrode. */
  public DeviceExplanation explain(String deviceId) {
    return send(get(ApiPaths.explain(deviceId)), DeviceExplanation.class);
  }

  /** Up to {@code limit} of the device's events with a sequence above {@code after}. */
  public List<EventView> events(String deviceId, long after, int limit) {
    return send(
        get(ApiPaths.events(deviceId) + "?after=" + after + "&limit=" + limit),
        new TypeReference<>() {});
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(hub.resolve(path))
        .timeout(Duration.ofMinutes(10))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
  }

  private HttpRequest get(String path) {
    return request(path).GET().build();
  }

  private HttpRequest post(String path, Object body) {
    return request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)))
        .build();
  }

  private <T> T send(HttpRequest request, Class<T> type) {
    return Json.convert(sendForJson(request), type);
  }

  private <T> T send(HttpRequest request, TypeReference<T> type) {
    return Json.mapper().convertValue(sendForJson(request), type);
  }

  private JsonNode sendForJson(HttpRequest request) {
    HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() / 100 != 2) {
      throw error(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    }
    try {
      return Json.tree(response.body());
    } catch (JsonFormatException e) {
      throw new HubClientException(
          response.statusCode(), "the hub answered something that is not JSON: " + e.getMessage());
    }
  }

  private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return isHttps() ? sendOverTls(request, handler) : http.send(request, handler);
    } catch (IOException e) {
      throw failed(request, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubClientException("interrupted while talking to the hub", e);
    }
  }

  private boolean isHttps() {
    return "https".equalsIgnoreCase(hub.getScheme());
  }

  /**
   * Sends over TLS, watching for the one slip a plain-HTTP hub hides: it takes the TLS greeting for
   * the start of a request and waits for the rest, so the call would only fail at the connect
   * time-out. When no answer has come after {@link #TLS_WATCH}, a plain HTTP request to the same
   * address tells whether it is such a hub; the TLS call goes on otherwise.
   */
  private <T> HttpResponse<T> sendOverTls(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<T>> call = http.sendAsync(request, handler);
    try {
      try {
        return call.get(TLS_WATCH.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (PlainHttpProbe.answers(hub)) {
          call.cancel(true);
          throw plainHttpHub();
        }
        return call.get();
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new HubClientException("talking to the hub failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      call.cancel(true);
      throw e;
    }
  }

  /** One line that says what went wrong with the connection and what to try. */
  private HubClientException failed(HttpRequest request, IOException e) {
    if (e instanceof ConnectException) {
      String detail =
          causedBy(e, UnresolvedAddressException.class)
              ? "no such host '" + hub.getHost() + "'"
              : "nothing answers there";
      return new HubClientException(
          "cannot reach the hub at "
              + hub
              + ": "
              + detail
              + " (is it running? set --hub or VERGE_HUB)",
          e);
    }
    if (e instanceof HttpConnectTimeoutException) {
      return new HubClientException(
          "cannot reach the hub at "
              + hub
              + ": no connection within "
              + CONNECT_TIMEOUT.toSeconds()
              + " s (check --hub or VERGE_HUB, and that no firewall is in the way)",
          e);
    }
    if (e instanceof SSLException && isHttps()) {
      if (PlainHttpProbe.answers(hub)) {
        return plainHttpHub();
      }
      return new HubClientException("TLS with the hub at " + hub + " failed: " + e.getMessage(), e);
    }
    return new HubClientException(
        request.method() + " " + request.uri().getPath() + " failed: " + e.getMessage(), e);
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private HubClientException plainHttpHub() {
    return new HubClientException(
        0,
        "NOT_TLS",
        "the hub at "
            + hub.getAuthority()
            + " speaks plain HTTP, not TLS: use --hub "
            + PlainHttpProbe.plain(hub));
  }

  /**
   * The error a hub answered, read from its JSON body ({@code error} in words, {@code code} for
   * programs); a body that is not such JSON is shown as it came. The one place that reads error
   * bodies.
   */
  private static HubClientException error(int status, String body) {
    String message = body;
    String code = "";
    try {
      ApiError error = Json.read(body.getBytes(StandardCharsets.UTF_8), ApiError.class);
      if (error.error() != null) {
        message = error.error();
      }
      if (error.code() != null) {
        code = error.code();
      }
    } catch (JsonFormatException ignored) {
      // Not JSON: show the body as it came.
    }
    String hint = status == 401 ? " (check --token-file or VERGE_TOKEN)" : "";
    return new HubClientException(status, code, "hub answered " + status + ": " + message + hint);
  }

  /** Counts bytes as they pass, for progress bars. */
  private static final class CountingStream extends FilterInputStream {
    private final LongConsumer progress;
    private long count;

    CountingStream(InputStream in, LongConsumer progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        progress.accept(++count);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
        progress.accept(count);
      }
      return n;
    }
  }
}
