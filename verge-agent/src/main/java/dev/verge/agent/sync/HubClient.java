package dev.verge.agent.sync;

import dev.verge.agent.store.Identity;
import dev.verge.core.api.ApiError;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EventBatch;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PushAccess;
import dev.verge.core.api.ReportedState;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The hub's device API over {@link HttpClient}: enrollment with a one-time token, then desired
 * state, reports, prediction batches and bundle downloads with the device credential. Every call
 * either returns the hub's answer or throws a {@link HubException} saying which call failed and
 * why; the credential never appears in a message.
 */
public final class HubClient implements AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The most bytes a JSON answer of the hub may hold (a desired state, an acknowledgement): far
   * above what a real one takes, and refused past it without reading on.
   */
  static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;

  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final String JSON = "application/json";
  private static final long NEVER = Long.MIN_VALUE;

  private final URI hubUrl;
  private final String base;
  private final HttpClient http;
  private final Identity identity;
  private final AtomicLong lastContactMillis;
  private final Duration requestTimeout;

  /** A client for {@code hubUrl} with no device identity yet: it can only {@link #enroll}. */
  public HubClient(URI hubUrl) {
    this(hubUrl, REQUEST_TIMEOUT);
  }

  /**
   * As {@link #HubClient(URI)}, each call bounded by {@code requestTimeout} (plus a long poll's
   * wait): the hub's whole answer, headers and body, must arrive within it.
   */
  HubClient(URI hubUrl, Duration requestTimeout) {
    this(
        hubUrl,
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(
                "https".equals(hubUrl.getScheme())
                    ? HttpClient.Version.HTTP_2
                    : HttpClient.Version.HTTP_1_1)
            .build(),
        null,
        new AtomicLong(NEVER),
        requestTimeout);
  }

  private HubClient(
      URI hubUrl,
      HttpClient http,
      Identity identity,
      AtomicLong lastContactMillis,
      Duration requestTimeout) {
    this.hubUrl = hubUrl;
    this.requestTimeout = requestTimeout;
    this.lastContactMillis = lastContactMillis;
    String text = hubUrl.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.http = http;
    this.identity = identity;
  }

  /** A client that calls as {@code identity}, sharing this one's connections. */
  public HubClient as(Identity identity) {
    return new HubClient(
        hubUrl,
        http,
        Objects.requireNonNull(identity, "identity"),
        lastContactMillis,
        requestTimeout);
  }

  public URI hubUrl() {
    return hubUrl;
  }

  /**
   * When the hub last answered a call of this client, or of one made from it by {@link #as}, with
   * success (a 2xx or 3xx status); empty before the first.
   */
  public Optional<Instant> lastContact() {
    long millis = lastContactMillis.get();
    return millis == NEVER ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
  }

  /**
   * Enrolls this device with a one-time token.
   *
   * @throws HubRefusedException when the hub refuses the token
   */
  public EnrollResponse enroll(String token, EnrollRequest request) {
    HttpRequest http =
        request(ApiPaths.ENROLL, token, requestTimeout)
            .header("Content-Type", JSON)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request)))
            .build();
    HttpResponse<byte[]> response = send(http, "enroll");
    expect(response, 201, "enroll");
    return parse(response, EnrollResponse.class, "enroll");
  }

  /**
   * Asks for the desired state.
   *
   * @param etag the ETag of the state the agent has, null for none
   * @param wait how long the hub may hold the request waiting for a change; zero for none
   */
  public DesiredPoll desired(String etag, Duration wait) {
    String what = "get the desired state";
    long seconds = wait.toSeconds();
    String path = ApiPaths.desired(deviceId()) + (seconds > 0 ? "?waitSeconds=" + seconds : "");
    HttpRequest.Builder builder = request(path, credential(), requestTimeout.plus(wait)).GET();
    if (etag != null) {
      builder.header("If-None-Match", etag);
    }
    HttpResponse<byte[]> response = send(builder.build(), what);
    if (response.statusCode() == 304) {
      return new DesiredPoll.Unchanged();
    }
    expect(response, 200, what);
    DesiredState state = parse(response, DesiredState.class, what);
    String tag = response.headers().firstValue("ETag").orElse("\"" + state.revision() + "\"");
    return new DesiredPoll.Changed(state, tag);
  }

  /** Tells the hub what this device runs. */
  public void report(ReportedState state) {
    HttpRequest http =
        request(ApiPaths.reported(deviceId()), credential(), requestTimeout)
            .header("Content-Type", JSON)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.write(state)))
            .build();
    HttpResponse<byte[]> response = send(http, "report the device state");
    if (response.statusCode() != 200) {
      expect(response, 204, "report the device state");
    }
  }

  /**
   * Asks for push access: fresh credentials on the hub's MQTT broker (each call issues a new
   * password, which the broker accepts within seconds), or {@link PushOffer.None} when the hub
   * pushes nothing (409, or 404 from a hub older than push).
   *
   * @throws HubRefusedException when the hub refuses the device credential
   */
  public PushOffer pushAccess() {
    String what = "ask for push access";
    HttpRequest http =
        request(ApiPaths.push(deviceId()), credential(), requestTimeout)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<byte[]> response = send(http, what);
    int status = response.statusCode();
    if (status == 409 || status == 404) {
      String reason = reason(response.body());
      return new PushOffer.None(
          status,
          !reason.isEmpty() && status == 409
              ? reason
              : status == 409 ? "the hub has no push configured" : "the hub is older than push");
    }
    expect(response, 200, what);
    return new PushOffer.Granted(parse(response, PushAccess.class, what));
  }

  /**
   * Sends one batch of predictions. Sending the same key again is harmless: the hub stores a batch
   * once.
   */
  public BatchAck sendPredictions(String idempotencyKey, PredictionBatch batch) {
    return sendPredictions(idempotencyKey, batch, Upload.PLAIN).ack();
  }

  /**
   * Sends one batch of predictions as {@code upload} says: gzip-compressed when asked and the body
   * is large enough to gain, its bytes held to the upload cap (the request's time-out then grows
   * with what the cap needs for the body).
   *
   * @throws HubRefusedException with status 415 when the hub does not take compressed bodies
   */
  public Sent sendPredictions(String idempotencyKey, PredictionBatch batch, Upload upload) {
    String what = "forward " + batch.records().size() + " predictions";
    byte[] json = Json.write(batch);
    boolean compressed = upload.compress() && json.length >= Upload.MIN_COMPRESSED_BYTES;
    byte[] body = compressed ? gzip(json) : json;
    HttpRequest.Builder builder =
        request(ApiPaths.predictions(deviceId()), credential(), uploadTimeout(body, upload))
            .header("Content-Type", JSON)
            .header(ApiPaths.IDEMPOTENCY_KEY, idempotencyKey);
    if (compressed) {
      builder.header("Content-Encoding", "gzip");
    }
    HttpRequest http = builder.POST(publisher(body, upload)).build();
    HttpResponse<byte[]> response = send(http, what);
    expect(response, 200, what);
    return new Sent(parse(response, BatchAck.class, what), json.length, body.length, compressed);
  }

  /** The body's bytes, through the cap when there is one (with its length declared). */
  private static HttpRequest.BodyPublisher publisher(byte[] body, Upload upload) {
    if (!upload.cap().limited()) {
      return HttpRequest.BodyPublishers.ofByteArray(body);
    }
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(
            () -> upload.cap().throttle(new ByteArrayInputStream(body))),
        body.length);
  }

  /** The usual time-out, plus twice what the cap needs for the body, so a capped link can send. */
  private Duration uploadTimeout(byte[] body, Upload upload) {
    long rate = upload.cap().bytesPerSecond();
    return rate == 0
        ? requestTimeout
        : requestTimeout.plusMillis(Math.multiplyExact(2_000L, body.length) / rate);
  }

  /** gzip at its fastest level: JSON tensors shrink well at any level, CPU is the scarce part. */
  static byte[] gzip(byte[] json) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(64, json.length / 4));
    try (GZIPOutputStream out =
        new GZIPOutputStream(buffer, 8192) {
          {
            def.setLevel(Deflater.BEST_SPEED);
          }
        }) {
      out.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress a batch in memory", e);
    }
    return buffer.toByteArray();
  }

  /**
   * Sends events raised by pipelines. Sending one again is harmless: the hub stores each (device,
   * sequence) once.
   */
  public BatchAck sendEvents(EventBatch batch) {
    String what = "forward " + batch.events().size() + " events";
    HttpRequest http =
        request(ApiPaths.events(deviceId()), credential(), REQUEST_TIMEOUT)
            .header("Content-Type", JSON)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(batch)))
            .build();
    HttpResponse<byte[]> response = send(http, what);
    expect(response, 200, what);
    return parse(response, BatchAck.class, what);
  }

  /**
   * Starts downloading the bundle {@code digest} from byte {@code from} on; the caller closes the
   * stream. The hub may send the whole bundle instead ({@link BundleStream#start()} is then 0).
   *
   * @throws HubRefusedException with status 416 when {@code from} lies past the bundle's end
   */
  BundleStream openBundle(String digest, long from) {
    String what = "download bundle " + digest;
    // The body is streamed, so the timeout covers only the wait for the answer's headers.
    HttpRequest.Builder builder = request(ApiPaths.bundle(digest), credential(), requestTimeout);
    if (from > 0) {
      builder.header("Range", "bytes=" + from + "-");
    }
    HttpResponse<InputStream> response =
        send(builder.GET().build(), HttpResponse.BodyHandlers.ofInputStream(), what);
    int status = response.statusCode();
    if (status == 200) {
      return new BundleStream(0, response.body());
    }
    if (status == 206) {
      String range = response.headers().firstValue("Content-Range").orElse("");
      Matcher matcher = CONTENT_RANGE.matcher(range);
      if (!matcher.matches()) {
        closeQuietly(response.body());
        throw new HubUnavailableException(
            "cannot " + what + ": hub answered 206 with Content-Range '" + range + "'", null);
      }
      return new BundleStream(Long.parseLong(matcher.group(1)), response.body());
    }
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(4096);
    } catch (IOException e) {
      body = new byte[0];
    }
    throw failure(status, body, what);
  }

  private String deviceId() {
    requireIdentity();
    return identity.deviceId();
  }

  private String credential() {
    requireIdentity();
    return identity.credential();
  }

  private void requireIdentity() {
    if (identity == null) {
      throw new IllegalStateException("this hub client has no device identity: enroll first");
    }
  }

  private HttpRequest.Builder request(String path, String bearer, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Accept", JSON)
        .header("Authorization", "Bearer " + bearer);
  }

  /**
   * Sends {@code request} and reads the whole answer, bounded in time and size: the HTTP client's
   * time-out covers only the wait for the headers, so a body that stops midway would otherwise hold
   * the caller (the sync loop, the forwarder) for ever.
   */
  private HttpResponse<byte[]> send(HttpRequest request, String what) {
    Duration limit = request.timeout().orElse(requestTimeout);
    CompletableFuture<HttpResponse<byte[]>> answer =
        http.sendAsync(request, info -> new BoundedBody(MAX_ANSWER_BYTES));
    try {
      HttpResponse<byte[]> response = answer.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      if (response.statusCode() < 400) {
        lastContactMillis.set(System.currentTimeMillis());
      }
      return response;
    } catch (TimeoutException e) {
      answer.cancel(true); // ends the exchange and closes its connection
      throw new HubUnavailableException(
          "cannot "
              + what
              + ": hub "
              + hubUrl
              + " sent no complete answer within "
              + limit.toMillis()
              + " ms",
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String reason =
          cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      throw new HubUnavailableException(
          "cannot " + what + ": hub " + hubUrl + " is unreachable (" + reason + ")", cause);
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw new HubUnavailableException("cannot " + what + ": interrupted", e);
    }
  }

  /** Collects an answer's body, failing it once it passes {@code max} bytes. */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    private Flow.Subscription subscription;

    BoundedBody(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription value) {
      subscription = value;
      value.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > max) {
          subscription.cancel();
          body.completeExceptionally(
              new IOException("its answer is larger than the " + max + " bytes allowed"));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toByteArray());
    }
  }

  private <T> HttpResponse<T> send(
      HttpRequest request, HttpResponse.BodyHandler<T> handler, String what) {
    try {
      HttpResponse<T> response = http.send(request, handler);
      if (response.statusCode() < 400) {
        lastContactMillis.set(System.currentTimeMillis());
      }
      return response;
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new HubUnavailableException(
          "cannot " + what + ": hub " + hubUrl + " is unreachable (" + reason + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubUnavailableException("cannot " + what + ": interrupted", e);
    }
  }

  private static void expect(HttpResponse<byte[]> response, int status, String what) {
    if (response.statusCode() != status) {
      throw failure(response.statusCode(), response.body(), what);
    }
  }

  private static HubException failure(int status, byte[] body, String what) {
    String reason = reason(body);
    String message =
        "cannot " + what + ": hub answered " + status + (reason.isEmpty() ? "" : " " + reason);
    return status >= 400 && status < 500
        ? new HubRefusedException(status, message)
        : new HubUnavailableException(message, null);
  }

  /** The hub's {@link ApiError} message, or the start of whatever it sent. */
  private static String reason(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    try {
      ApiError error = Json.read(body, ApiError.class);
      if (error.error() != null) {
        return error.error();
      }
    } catch (JsonFormatException e) {
      // Not our error format: show the text.
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  private static <T> T parse(HttpResponse<byte[]> response, Class<T> type, String what) {
    try {
      return Json.read(response.body(), type);
    } catch (JsonFormatException e) {
      throw new HubUnavailableException(
          "cannot " + what + ": hub's answer is " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // Failing already with a better message.
    }
  }

  /** Closes the connections; every client made by {@link #as} shares and loses them. */
  @Override
  public void close() {
    http.shutdownNow();
  }
}
