package dev.verge.hub.http;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.EventBatch;
import dev.verge.core.api.EventView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import dev.verge.core.api.PredictionAggregates;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionPage;
import dev.verge.core.api.PublisherKeyRequest;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.PushAccess;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.RolloutAction;
import dev.verge.core.json.Json;
import dev.verge.http.Body;
import dev.verge.http.Exchange;
import dev.verge.http.Guard;
import dev.verge.http.OpenApi;
import dev.verge.http.Route;
import dev.verge.http.RouteTable;
import dev.verge.http.metrics.PrometheusScraper.Scrape;
import dev.verge.hub.HubException;
import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.device.Devices;
import dev.verge.hub.event.DeviceEvents;
import dev.verge.hub.model.BundleFile;
import dev.verge.hub.model.Published;
import dev.verge.hub.store.Created;
import dev.verge.hub.telemetry.Telemetry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The hub's endpoints: the route table and the translation between HTTP and the features. */
final class HubApi {
  /** Where the OpenAPI document of this table is served. */
  static final String OPENAPI = ApiPaths.OPENAPI;

  /** Where Prometheus scrapes, its conventional path. */
  static final String METRICS = "/metrics";

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
  private static final String ID = "{id}";

  private final HubServices hub;
  private final RouteTable table;
  private final byte[] openApi;

  HubApi(HubServices hub, String version) {
    this.hub = hub;
    this.table = build();
    this.openApi = Json.write(OpenApi.document("Verge hub", version, table));
  }

  RouteTable routes() {
    return table;
  }

  private RouteTable build() {
    Guard admin = Access.admin(hub.authenticator());
    Guard device = Access.device(hub.authenticator());
    Guard anyone = Access.adminOrDevice(hub.authenticator());
    String devicePath = ApiPaths.DEVICE + ID;
    List<Route> routes = new ArrayList<>();
    // Management API.
    routes.add(
        Route.post(ApiPaths.PUBLISHER_KEYS, this::registerKey)
            .guard(admin)
            .summary("Trust a publisher key (200 when it was already trusted)")
            .accepts(Body.json(PublisherKeyRequest.class))
            .responds(201, Body.json(PublisherKeyView.class)));
    routes.add(
        Route.get(ApiPaths.PUBLISHER_KEYS, x -> x.json(200, hub.models().keys()))
            .guard(admin)
            .summary("The trusted publisher keys")
            .responds(200, Body.json(PublisherKeyView[].class)));
    routes.add(
        Route.post(ApiPaths.MODELS, this::publish)
            .guard(admin)
            .summary("Publish a signed bundle (200 when this exact bundle was already published)")
            .accepts(Body.bytes("the bundle's bytes"))
            .responds(201, Body.json(ModelVersionView.class)));
    routes.add(
        Route.get(ApiPaths.MODELS, x -> x.json(200, hub.models().models()))
            .guard(admin)
            .summary("Every published model")
            .responds(200, Body.json(ModelView[].class)));
    routes.add(
        Route.get(
                ApiPaths.MODELS + "/{name}", x -> x.json(200, hub.models().model(x.param("name"))))
            .guard(admin)
            .summary("One model and its versions")
            .responds(200, Body.json(ModelView.class)));
    routes.add(
        Route.get(
                ApiPaths.MODELS + "/{name}/versions/{version}",
                x -> x.json(200, hub.models().version(x.param("name"), x.longParam("version"))))
            .guard(admin)
            .summary("One published version")
            .responds(200, Body.json(ModelVersionView.class)));
    String versionPath = ApiPaths.MODELS + "/{name}/versions/{version}";
    routes.add(
        Route.get(versionPath + ApiPaths.VERSION_PREDICTIONS_SUFFIX, this::versionPredictions)
            .guard(admin)
            .summary(
                "The version's predictions, oldest first, a page at a time: ?from=&to= (ISO-8601"
                    + " instants, the prediction's own time, to exclusive; default: all),"
                    + " ?device=ID, ?limit=N (default 100, at most "
                    + Telemetry.MAX_PAGE
                    + "), ?cursor= (the page before's next)")
            .responds(200, Body.json(PredictionPage.class)));
    routes.add(
        Route.get(versionPath + ApiPaths.AGGREGATES_SUFFIX, this::aggregates)
            .guard(admin)
            .summary(
                "The version's prediction count and latency (mean, min, p50, p95, p99, max) per"
                    + " bucket: ?bucket=1m|1h|1d (default 1h), ?from=&to= (default: the day up to"
                    + " now; at most "
                    + Telemetry.MAX_BUCKETS
                    + " buckets), ?device=ID")
            .responds(200, Body.json(PredictionAggregates.class)));
    routes.add(
        Route.post(
                ApiPaths.ENROLLMENT_TOKENS,
                x ->
                    x.json(
                        201,
                        hub.enrollment().createToken(x.jsonOrNull(EnrollmentTokenRequest.class))))
            .guard(admin)
            .summary("A one-time enrollment token (the body is optional)")
            .accepts(Body.json(EnrollmentTokenRequest.class))
            .responds(201, Body.json(EnrollmentToken.class)));
    routes.add(
        Route.get(ApiPaths.DEVICES, this::devices)
            .guard(admin)
            .summary(
                "A page of enrolled devices in enrollment order: ?selector= (label selector),"
                    + " ?status=online|offline, ?limit=N (default "
                    + Devices.DEFAULT_PAGE
                    + ", at most "
                    + Devices.MAX_PAGE
                    + "), ?cursor= (the previous page's nextCursor)")
            .responds(200, Body.json(DevicePage.class)));
    routes.add(
        Route.get(devicePath, x -> x.json(200, hub.devices().get(x.param("id"))))
            .guard(admin)
            .summary("One device")
            .responds(200, Body.json(DeviceView.class)));
    routes.add(
        Route.of("PATCH", devicePath + ApiPaths.LABELS_SUFFIX, this::changeLabels)
            .guard(admin)
            .summary(
                "Set and remove the device's operator labels, which win over the labels it"
                    + " reports (a removed key stays hidden until set again)")
            .accepts(Body.json(LabelChange.class))
            .responds(200, Body.json(DeviceView.class)));
    routes.add(
        Route.post(ApiPaths.DEPLOYMENTS, this::deploy)
            .guard(admin)
            .summary("Deploy a published version to the devices a label selector matches")
            .accepts(Body.json(DeploymentRequest.class))
            .responds(201, Body.json(DeploymentView.class)));
    routes.add(
        Route.get(ApiPaths.DEPLOYMENTS, x -> x.json(200, hub.deployments().list()))
            .guard(admin)
            .summary("Every deployment with its status per device")
            .responds(200, Body.json(DeploymentView[].class)));
    routes.add(
        Route.get(
                ApiPaths.DEPLOYMENTS + "/" + ID,
                x -> x.json(200, hub.deployments().get(x.longParam("id"))))
            .guard(admin)
            .summary("One deployment: its rollout's phase, waves, gates, transitions and devices")
            .responds(200, Body.json(DeploymentView.class)));
    for (String action : ApiPaths.ROLLOUT_ACTIONS) {
      routes.add(
          Route.post(
                  ApiPaths.DEPLOYMENTS + "/" + ID + "/" + action,
                  x ->
                      x.json(
                          200,
                          hub.deployments()
                              .act(x.longParam("id"), action, x.jsonOrNull(RolloutAction.class))))
              .guard(admin)
              .summary(
                  "The rollout, after an operator's "
                      + action
                      + " (409 when it does not apply in the rollout's phase; the body with a"
                      + " reason is optional)")
              .accepts(Body.json(RolloutAction.class))
              .responds(200, Body.json(DeploymentView.class)));
    }
    routes.add(
        Route.get(
                devicePath + ApiPaths.EXPLAIN_SUFFIX,
                x -> x.json(200, hub.deployments().explain(x.param("id"))))
            .guard(admin)
            .summary(
                "Per model, the deployment that gives the device its version and the ones it"
                    + " overrides")
            .responds(200, Body.json(DeviceExplanation.class)));
    routes.add(
        Route.get(devicePath + ApiPaths.EVENTS_SUFFIX, this::events)
            .guard(admin)
            .summary(
                "The device's events, oldest first: ?after=SEQUENCE (default -1), ?limit=N"
                    + " (default 100, at most 1000)")
            .responds(200, Body.json(EventView[].class)));
    // Device API.
    routes.add(
        Route.post(ApiPaths.ENROLL, this::enroll)
            .guard(Access.ENROLLMENT)
            .summary("Enroll a device with a one-time token: its id and credential")
            .accepts(Body.json(EnrollRequest.class))
            .responds(201, Body.json(EnrollResponse.class)));
    routes.add(
        Route.get(devicePath + ApiPaths.DESIRED_SUFFIX, this::desired)
            .guard(device)
            .summary(
                "The device's desired state; ETag / If-None-Match (304), long poll with"
                    + " ?waitSeconds=")
            .responds(200, Body.json(DesiredState.class)));
    routes.add(
        Route.post(devicePath + ApiPaths.PUSH_SUFFIX, this::push)
            .guard(device)
            .summary(
                "A new credential on the hub's MQTT broker, replacing the device's earlier one,"
                    + " and the topics of its desired-state changes and its presence (409 when the"
                    + " hub pushes nothing)")
            .responds(200, Body.json(PushAccess.class)));
    routes.add(
        Route.put(devicePath + ApiPaths.REPORTED_SUFFIX, this::reported)
            .guard(device)
            .summary("What the device has installed, active and failed")
            .accepts(Body.json(ReportedState.class))
            .responds(204, null));
    routes.add(
        Route.post(devicePath + ApiPaths.PREDICTIONS_SUFFIX, this::predictions)
            .guard(device)
            .summary("A batch of predictions, once per Idempotency-Key")
            .accepts(Body.json(PredictionBatch.class))
            .responds(200, Body.json(BatchAck.class)));
    routes.add(
        Route.post(devicePath + ApiPaths.EVENTS_SUFFIX, this::postEvents)
            .guard(device)
            .summary("Events the device's pipelines raised, each stored once per sequence")
            .accepts(Body.json(EventBatch.class))
            .responds(200, Body.json(BatchAck.class)));
    routes.add(
        Route.get(ApiPaths.BUNDLES + "{digest}", this::bundle)
            .guard(anyone)
            .summary("A published bundle's bytes by SHA-256; HTTP Range (206)")
            .responds(200, Body.bytes("the bundle's bytes")));
    routes.add(
        Route.get(METRICS, this::metrics)
            .guard(hub.metrics().open() ? Guard.OPEN : admin)
            .summary(
                "Prometheus metrics: text format 0.0.4, or OpenMetrics 1.0 when the Accept header"
                    + " asks for it")
            .responds(200, new Body(PROMETHEUS_TEXT, null, "the metrics")));
    routes.add(
        Route.get(OPENAPI, this::openApi)
            .guard(anyone)
            .summary("This document")
            .responds(200, Body.anyJson("the OpenAPI 3.1 document")));
    return new RouteTable(routes);
  }

  private void metrics(Exchange x) throws IOException {
    Scrape scrape = hub.metrics().scrape(x.header("Accept"));
    x.bytes(200, scrape.contentType(), scrape.body());
  }

  private void openApi(Exchange x) throws IOException {
    x.bytes(200, Body.JSON, openApi);
  }

  // Management.

  private void registerKey(Exchange call) throws IOException {
    Created<PublisherKeyView> key = hub.models().registerKey(call.json(PublisherKeyRequest.class));
    call.json(key.created() ? 201 : 200, key.value());
  }

  private void publish(Exchange call) throws IOException {
    Published published;
    try (InputStream body = call.rawBody()) {
      published = hub.models().publish(body, call.contentLength());
    }
    var version = published.version();
    call.header(
        "Location", ApiPaths.MODELS + "/" + version.name() + "/versions/" + version.version());
    call.json(published.created() ? 201 : 200, version);
  }

  private void deploy(Exchange call) throws IOException {
    DeploymentView view = hub.deployments().create(call.json(DeploymentRequest.class));
    call.header("Location", ApiPaths.DEPLOYMENTS + "/" + view.id());
    call.json(201, view);
  }

  // Devices.

  private void enroll(Exchange call) throws IOException {
    String token = Authenticator.bearer(call.header("Authorization"));
    EnrollResponse enrolled = hub.enrollment().enroll(token, call.json(EnrollRequest.class));
    hub.deployments().deviceChanged(enrolled.deviceId());
    call.json(201, enrolled);
  }

  private void desired(Exchange call) throws IOException {
    String id = call.param("id");
    String ifNoneMatch = call.header("If-None-Match");
    int waitSeconds = waitSeconds(call);
    DesiredStates.Answer answer =
        hub.desiredStates()
            .poll(
                id,
                r -> ifNoneMatch != null && ETags.matches(ifNoneMatch, r),
                Duration.ofSeconds(ifNoneMatch == null ? 0 : waitSeconds));
    call.header("ETag", ETags.quote(answer.revision()));
    call.header("Cache-Control", "no-cache");
    switch (answer) {
      case DesiredStates.Answer.Unchanged unchanged -> call.empty(304);
      case DesiredStates.Answer.Changed changed -> call.json(200, changed.state());
    }
  }

  private static int waitSeconds(Exchange call) {
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
    throw new HubException.InvalidInput(
        "waitSeconds must be a whole number from 0 to "
            + DesiredStates.MAX_WAIT_SECONDS
            + ", got '"
            + value.get()
            + "'");
  }

  private void devices(Exchange call) throws IOException {
    int limit = (int) number(call, "limit", 1, Devices.MAX_PAGE, Devices.DEFAULT_PAGE);
    call.json(
        200,
        hub.devices()
            .search(
                new Devices.Search(
                    call.query("selector").orElse(null),
                    call.query("status").orElse(null),
                    limit,
                    call.query("cursor").orElse(null))));
  }

  private void changeLabels(Exchange call) throws IOException {
    String id = call.param("id");
    DeviceView device = hub.devices().changeLabels(id, call.json(LabelChange.class));
    hub.deployments().deviceChanged(id); // It may join (or leave) rollouts.
    call.json(200, device);
  }

  private void push(Exchange call) throws IOException {
    if (hub.push() == null) {
      throw new HubException.NoPush();
    }
    call.json(200, hub.push().issue(call.param("id")));
  }

  private void reported(Exchange call) throws IOException {
    String id = call.param("id");
    if (hub.devices().report(id, call.json(ReportedState.class))) {
      hub.deployments().deviceChanged(id); // A repeated report changes no rollout.
    }
    call.empty(204);
  }

  private void predictions(Exchange call) throws IOException {
    String key = call.header(ApiPaths.IDEMPOTENCY_KEY);
    PredictionBatch batch = call.json(PredictionBatch.class);
    ok(call, hub.telemetry().record(call.param("id"), key, batch));
  }

  private void postEvents(Exchange call) throws IOException {
    call.json(200, hub.events().record(call.param("id"), call.json(EventBatch.class)));
  }

  private void events(Exchange call) throws IOException {
    String id = call.param("id");
    hub.devices().get(id); // An unknown device is a 404, not an empty list.
    long after = number(call, "after", -1, Long.MAX_VALUE, -1);
    int limit = (int) number(call, "limit", 1, DeviceEvents.MAX_LIST, 100);
    call.json(200, hub.events().list(id, after, limit));
  }

  private void versionPredictions(Exchange call) throws IOException {
    String model = call.param("name");
    long version = call.longParam("version");
    hub.models().version(model, version); // An unknown version is a 404, not an empty page.
    call.json(
        200,
        hub.telemetry()
            .page(
                model,
                version,
                instant(call, "from"),
                instant(call, "to"),
                text(call, "device"),
                (int) number(call, "limit", 1, Telemetry.MAX_PAGE, 100),
                text(call, "cursor")));
  }

  private void aggregates(Exchange call) throws IOException {
    String model = call.param("name");
    long version = call.longParam("version");
    hub.models().version(model, version);
    call.json(
        200,
        hub.telemetry()
            .aggregates(
                model,
                version,
                instant(call, "from"),
                instant(call, "to"),
                text(call, "device"),
                text(call, "bucket")));
  }

  /** A query parameter that is an ISO-8601 instant, or null when absent. */
  private static Instant instant(Exchange call, String name) {
    Optional<String> value = call.query(name);
    if (value.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(value.get());
    } catch (DateTimeParseException e) {
      throw new HubException.InvalidInput(
          name
              + " must be an ISO-8601 instant such as 2026-01-01T00:00:00Z, got '"
              + value.get()
              + "'");
    }
  }

  /** A query parameter, or null when absent; empty is refused, naming it. */
  private static String text(Exchange call, String name) {
    Optional<String> value = call.query(name);
    if (value.isPresent() && value.get().isEmpty()) {
      throw new HubException.InvalidInput(name + " must not be empty when given");
    }
    return value.orElse(null);
  }

  private static long number(Exchange call, String name, long min, long max, long fallback) {
    Optional<String> value = call.query(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value.get());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below with the allowed range.
    }
    throw new HubException.InvalidInput(
        name
            + " must be a whole number from "
            + min
            + " to "
            + max
            + ", got '"
            + value.get()
            + "'");
  }

  // Bundles.

  private void bundle(Exchange call) throws IOException {
    BundleFile file = hub.models().bundle(call.param("digest"));
    String etag = ETags.quote(file.digest());
    call.header("Content-Type", "application/octet-stream");
    call.header("Accept-Ranges", "bytes");
    call.header("ETag", etag);
    String ifRange = call.header("If-Range");
    Optional<ByteRange> range =
        ifRange == null || ETags.matches(ifRange, file.digest())
            ? ByteRange.parse(call.header("Range"), file.size())
            : Optional.empty();
    long first = range.map(ByteRange::first).orElse(0L);
    long length = range.map(ByteRange::length).orElse(file.size());
    range.ifPresent(r -> call.header("Content-Range", r.contentRange()));
    try (InputStream in = hub.models().openBundle(file, first);
        OutputStream out = call.stream(range.isPresent() ? 206 : 200, length)) {
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

  private static void ok(Exchange call, Object body) throws IOException {
    call.json(200, body);
  }
}
