package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.json.Json;
import dev.verge.core.signing.Keys;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.PostgresServer;
import dev.verge.hub.store.TestPostgres;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real hub processes on one PostgreSQL database: the one advancing a rollout is killed with
 * SIGKILL mid-wave, and the other takes the rollout over once its lease runs out and finishes it,
 * every step taken exactly once. Devices (simulated over HTTP) poll and report at either hub.
 */
class HubFailoverTest {
  private static final int DEVICES = 20;
  private static final Duration LEASE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private record Device(String id, String credential) {}

  @Test
  void killing_the_hub_that_holds_a_rollout_mid_wave_lets_the_other_finish_it_exactly_once()
      throws Exception {
    Installed verge = Installed.archive();
    PostgresServer store = TestPostgres.freshDatabase();
    List<String> flags = new ArrayList<>();
    flags.add("--store=postgresql://" + store.user() + "@" + store.display());
    if (store.password() != null) {
      flags.add(
          "--store-password-file="
              + Files.writeString(dir.resolve("store.password"), store.password()));
    }
    flags.add("--bundles=" + dir.resolve("bundles"));
    flags.add("--rollout-lease=" + LEASE.toSeconds() + "s");
    try (HubProcess a = new HubProcess(verge, dir.resolve("hub-a"), flags);
        HubProcess b = new HubProcess(verge, dir.resolve("hub-b"), flags)) {
      a.start(Duration.ofMinutes(2));
      b.start(Duration.ofMinutes(2));
      String token = a.adminToken();
      HubAdminClient atA = new HubAdminClient(a.url(), token);
      atA.publish(bundle(atA), bytes -> {});
      List<Device> devices = new ArrayList<>();
      for (int i = 0; i < DEVICES; i++) {
        devices.add(
            enroll(i % 2 == 0 ? a : b, atA.createEnrollmentToken(600L, "d" + i).token(), i));
      }
      List<HubProcess> hubs = List.of(a, b);
      AtomicBoolean running = new AtomicBoolean(true);
      Thread fleet = Thread.ofVirtual().start(() -> simulate(devices, hubs, running));
      try {
        DeploymentView created =
            atA.deploy(
                new DeploymentRequest(
                    "pump",
                    1,
                    "",
                    false,
                    0,
                    new RolloutPlan(
                        "1",
                        List.of("25%", "50%", "75%", "100%"),
                        Duration.ofSeconds(2),
                        List.of(),
                        null,
                        null,
                        null,
                        null),
                    null,
                    null,
                    false));
        long id = created.id();
        waitFor(() -> atA.deployment(id).currentWave() >= 1, "the first wave after the canary");
        String holder = leaseOwner(store, id);
        HubProcess killed = holder.startsWith("hub-" + a.pid() + "-") ? a : b;
        HubProcess survivor = killed == a ? b : a;
        assertThat(holder).startsWith("hub-" + killed.pid() + "-");
        killed.kill();
        java.time.Instant killedAt = java.time.Instant.now();

        HubAdminClient atSurvivor = new HubAdminClient(survivor.url(), token);
        waitFor(
            () -> atSurvivor.deployment(id).state() == RolloutPhase.COMPLETED,
            "the rollout completed by the surviving hub");
        DeploymentView done = atSurvivor.deployment(id);
        System.out.println(
            "killed the lease holder (pid "
                + killed.pid()
                + ") at "
                + killedAt
                + "; transitions: "
                + done.transitions());

        assertThat(done.counts().active()).isEqualTo(DEVICES);
        assertThat(leaseOwner(store, id)).startsWith("hub-" + survivor.pid() + "-");
        Set<String> steps = new HashSet<>();
        for (DeploymentView.Transition t : done.transitions()) {
          assertThat(steps.add(t.from() + ">" + t.to() + "@" + t.wave()))
              .as("each step once: %s", done.transitions())
              .isTrue();
        }
        assertThat(done.transitions().getLast().to()).isEqualTo(RolloutPhase.COMPLETED);
        assertThat(done.waves()).allSatisfy(w -> assertThat(w.phase().name()).isEqualTo("PASSED"));
      } finally {
        running.set(false);
        fleet.join(10_000);
      }
    }
  }

  /** A signed bundle of pump v1, its publisher's key registered at the hub. */
  private Path bundle(HubAdminClient hub) throws IOException {
    Keys.KeyFiles keys = Keys.writePair(Keys.generate(), dir.resolve("keys"), "publisher");
    hub.trustPublisherKey("publisher", Keys.readPublic(keys.publicKey()).pem());
    Path model = Files.write(dir.resolve("pump.onnx"), TestModels.logistic(1f));
    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      OnnxEngine.Signature signature = engine.inspect(Files.readAllBytes(model));
      Path bundle = dir.resolve("pump-1.vbundle");
      BundleWriter.create(
          new BundleWriter.Spec(
              "pump", 1, model, signature.inputs(), signature.outputs(), Map.of(), null),
          bundle,
          Clock.systemUTC());
      BundleWriter.sign(bundle, Keys.readPrivate(keys.privateKey()));
      return bundle;
    }
  }

  private Device enroll(HubProcess hub, String token, int i) throws Exception {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create(hub.url() + "/api/v1/enroll"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        Json.write(new EnrollRequest("d" + i, Map.of(), "sim", "linux"))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
    EnrollResponse enrolled = Json.read(reply.body().getBytes(), EnrollResponse.class);
    return new Device(enrolled.deviceId(), enrolled.credential());
  }

  /** Each device polls its hub (the other one while it is down) and runs what it is given. */
  private void simulate(List<Device> devices, List<HubProcess> hubs, AtomicBoolean running) {
    Map<String, Long> active = new java.util.HashMap<>();
    while (running.get()) {
      for (int i = 0; i < devices.size(); i++) {
        Device d = devices.get(i);
        for (int attempt = 0; attempt < 2; attempt++) {
          HubProcess hub = hubs.get((i + attempt) % 2);
          try {
            DesiredState desired =
                Json.read(
                    call(hub, "GET", "/api/v1/devices/" + d.id() + "/desired", null, d).getBytes(),
                    DesiredState.class);
            Long version =
                desired.models().isEmpty() ? null : desired.models().getFirst().version();
            if (version != null && !version.equals(active.get(d.id()))) {
              ReportedState report =
                  new ReportedState(
                      "sim",
                      List.of(new ModelReport("pump", version, List.of(version), null, null, null)),
                      0,
                      0);
              call(hub, "PUT", "/api/v1/devices/" + d.id() + "/reported", report, d);
              active.put(d.id(), version);
            }
            break;
          } catch (IOException e) {
            // That hub is down: the device tries the other.
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private String call(HubProcess hub, String method, String path, Object body, Device d)
      throws IOException, InterruptedException {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create(hub.url() + path))
                .header("Authorization", "Bearer " + d.credential())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(5))
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(Json.write(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (reply.statusCode() >= 400) {
      throw new IOException(method + " " + path + " answered " + reply.statusCode());
    }
    return reply.body();
  }

  private static String leaseOwner(PostgresServer store, long id) {
    try (Database db = Database.openPostgres(store)) {
      return db.read(
          h ->
              h.createQuery("SELECT owner FROM rollout_leases WHERE deployment_id = :id")
                  .bind("id", id)
                  .mapTo(String.class)
                  .one());
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void waitFor(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!check.holds()) {
      assertThat(System.nanoTime()).as("waited for %s", what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
