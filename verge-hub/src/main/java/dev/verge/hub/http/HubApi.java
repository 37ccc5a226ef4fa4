package dev.verge.hub.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PublisherKeyRequest;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.ReportedState;
import dev.verge.hub.HubException;
import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.auth.Principal;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.metrics.HttpMetrics;
import dev.verge.hub.metrics.Scrape;
import dev.verge.hub.model.BundleFile;
import dev.verge.hub.model.Published;
import dev.verge.hub.store.Created;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The hub's endpoints: routing, access checks and the translation between HTTP and features. */
final class HubApi implements HttpHandler {
  private static final System.Logger LOG = System.getLogger(HubApi.class.getName());
  private static final String ID = "{id}";

  private final HubServices hub;
  private final Router router;

  HubApi(HubServices hub) {
    this.hub = hub;
    this.router = new Router(routes());
  }

  private List<Route> routes() {
    String device = ApiPaths.DEVICE + ID;
    return List.of(
        // Management API.
        Route.of("POST", ApiPaths.PUBLISHER_KEYS, Access.ADMIN, this::registerKey),
        Route.of("GET", ApiPaths.PUBLISHER_KEYS, Access.ADMIN, c -> ok(c, hub.models().keys())),
        Route.of("POST", ApiPaths.MODELS, Access.ADMIN, this::publish),
        Route.of("GET", ApiPaths.MODELS, Access.ADMIN, c -> ok(c, hub.models().models())),
        Route.of(
            "GET",
            ApiPaths.MODELS + "/{name}",
            Access.ADMIN,
            c -> ok(c, hub.models().model(c.param("name")))),
        Route.of(
            "GET",
            ApiPaths.MODELS + "/{name}/versions/{version}",
            Access.ADMIN,
            c -> ok(c, hub.models().version(c.param("name"), c.longParam("version")))),
        Route.of(
            "POST",
            ApiPaths.ENROLLMENT_TOKENS,
            Access.ADMIN,
            c ->
                c.respondJson(
                    201, hub.enrollment().createToken(c.jsonOrNull(EnrollmentTokenRequest.class)))),
        Route.of("GET", ApiPaths.DEVICES, Access.ADMIN, c -> ok(c, hub.devices().list())),
        Route.of("GET", device, Access.ADMIN, c -> ok(c, hub.devices().get(c.param("id")))),
        Route.of("POST", ApiPaths.DEPLOYMENTS, Access.ADMIN, this::deploy),
        Route.of("GET", ApiPaths.DEPLOYMENTS, Access.ADMIN, c -> ok(c, hub.deployments().list())),
        Route.of(
            "GET",
            ApiPaths.DEPLOYMENTS + "/" + ID,
            Access.ADMIN,
            c -> ok(c, hub.deployments().get(c.longParam("id")))),
        // Device API.
        Route.of("POST", ApiPaths.ENROLL, Access.ENROLLMENT, this::enroll),
        Route.of("GET", device + ApiPaths.DESIRED_SUFFIX, Access.DEVICE, this::desired),
        Route.of("PUT", device + ApiPaths.REPORTED_SUFFIX, Access.DEVICE, this::reported),
        Route.of("POST", device + ApiPaths.PREDICTIONS_SUFFIX, Access.DEVICE, this::predictions),
        Route.of("GET", ApiPaths.BUNDLES + "{digest}", Access.ADMIN_OR_DEVICE, this::bundle),
        Route.of("GET", "/metrics", Access.METRICS, this::metrics));
  }

  @Override
  public void handle(HttpExchange exchange) {
    long started = System.nanoTime();
    Call call = new Call(exchange);
    String template = HttpMetrics.UNMATCHED;
    try {
      Router.Match match = router.find(call.method(), call.rawPath());
      template = match.route().template();
      call.params(match.params());
      authorize(match.route().access(), call);
      match.route().handler().handle(call);
      if (!call.responded()) {
        throw new IllegalStateException("the handler sent no response");
      }
      LOG.log(
          System.Logger.Level.DEBUG,
          () -> call.method() + " " + call.rawPath() + " -> " + call.status());
    } catch (Exception e) {
      ErrorMapping.respond(call, e);
    } finally {
      exchange.close();
      hub.metrics()
          .http()
          .record(
              call.method(),
              template,
              call.status(),
              Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private void authorize(Access access, Call call) {
    if (access == Access.ENROLLMENT || (access == Access.METRICS && hub.metrics().open())) {
      return;
    }
    Principal principal = hub.authenticator().authenticate(call.header("Authorization"));
    call.principal(principal);
    switch (access) {
      case ADMIN, METRICS -> {
        if (principal instanceof Principal.Device d) {
          throw new HubException.Forbidden(
              "device "
                  + d.deviceId()
                  + " cannot use the management API; it takes the admin token");
        }
      }
      case DEVICE -> {
        String id = call.param("id");
        switch (principal) {
          case Principal.Admin a ->
              throw new HubException.Forbidden(
                  "the admin token cannot act as device " + id + "; use that device's credential");
          case Principal.Device d when !d.deviceId().equals(id) ->
              throw new HubException.Forbidden(
                  "the credential of device " + d.deviceId() + " cannot act for device " + id);
          case Principal.Device d -> {}
        }
      }
      case ADMIN_OR_DEVICE, ENROLLMENT -> {}
    }
  }

  // Management.

  private void registerKey(Call call) throws IOException {
    Created<PublisherKeyView> key = hub.models().registerKey(call.json(PublisherKeyRequest.class));
    call.respondJson(key.created() ? 201 : 200, key.value());
  }

  private void publish(Call call) throws IOException {
    Published published;
    try (InputStream body = call.body()) {
      published = hub.models().publish(body, call.contentLength());
    }
    var version = published.version();
    call.responseHeaders()
        .set("Location", ApiPaths.MODELS + "/" + version.name() + "/versions/" + version.version());
    call.respondJson(published.created() ? 201 : 200, version);
  }

  private void deploy(Call call) throws IOException {
    DeploymentView view = hub.deployments().create(call.json(DeploymentRequest.class));
    call.responseHeaders().set("Location", ApiPaths.DEPLOYMENTS + "/" + view.id());
    call.respondJson(201, view);
  }

  // Devices.

  private void enroll(Call call) throws IOException {
    String token = Authenticator.bearer(call.header("Authorization"));
    call.respondJson(201, hub.enrollment().enroll(token, call.json(EnrollRequest.class)));
  }

  private void desired(Call call) throws IOException {
    String id = call.param("id");
    String ifNoneMatch = call.header("If-None-Match");
    int waitSeconds = waitSeconds(call);
    DesiredState state =
        ifNoneMatch != null && waitSeconds > 0
            ? hub.desiredStates()
                .await(id, r -> ETags.matches(ifNoneMatch, r), Duration.ofSeconds(waitSeconds))
            : hub.desiredStates().current(id);
    call.responseHeaders().set("ETag", ETags.quote(state.revision()));
    call.responseHeaders().set("Cache-Control", "no-cache");
    if (ETags.matches(ifNoneMatch, state.revision())) {
      call.respondEmpty(304);
    } else {
      call.respondJson(200, state);
    }
  }

  private static int waitSeconds(Call call) {
    Optional<String> value = call.query("waitSeconds");
    if (value.isEmpty()) {
      return 0;
    }
    try {
      int seconds = Integer.parseInt(value.get());
      if (seconds >= 0 && seconds <= DesiredStates.MAX_WAIT_SECONDS) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // Reported below with the allowed range.
    }
    throw new HubException.BadRequest(
        "waitSeconds must be a whole number from 0 to "
            + DesiredStates.MAX_WAIT_SECONDS
            + ", got '"
            + value.get()
            + "'");
  }

  private void reported(Call call) throws IOException {
    hub.devices().report(call.param("id"), call.json(ReportedState.class));
    call.respondEmpty(204);
  }

  private void predictions(Call call) throws IOException {
    String key = call.header(ApiPaths.IDEMPOTENCY_KEY);
    PredictionBatch batch = call.json(PredictionBatch.class);
    ok(call, hub.telemetry().record(call.param("id"), key, batch));
  }

  private void metrics(Call call) throws IOException {
    Scrape scrape = hub.metrics().scrape(call.header("Accept"));
    call.responseHeaders().set("Content-Type", scrape.contentType());
    call.sendHeaders(200, scrape.body().length);
    try (OutputStream out = call.responseBody()) {
      out.write(scrape.body());
    }
  }

  // Bundles.

  private void bundle(Call call) throws IOException {
    BundleFile file = hub.models().bundle(call.param("digest"));
    String etag = ETags.quote(file.digest());
    call.responseHeaders().set("Content-Type", "application/octet-stream");
    call.responseHeaders().set("Accept-Ranges", "bytes");
    call.responseHeaders().set("ETag", etag);
    String ifRange = call.header("If-Range");
    Optional<ByteRange> range =
        ifRange == null || ETags.matches(ifRange, file.digest())
            ? ByteRange.parse(call.header("Range"), file.size())
            : Optional.empty();
    long first = range.map(ByteRange::first).orElse(0L);
    long length = range.map(ByteRange::length).orElse(file.size());
    if (range.isPresent()) {
      call.responseHeaders().set("Content-Range", range.get().contentRange());
      call.sendHeaders(206, length);
    } else {
      call.sendHeaders(200, length);
    }
    try (InputStream in = Files.newInputStream(file.path());
        OutputStream out = call.responseBody()) {
      in.skipNBytes(first);
      copy(in, out, length);
    }
  }

  private static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("bundle file ended " + left + " bytes early");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static void ok(Call call, Object body) throws IOException {
    call.respondJson(200, body);
  }
}
