package dev.verge.it;

import static dev.verge.it.Fleet.activeVersion;
import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Agent;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.client.HubClientException;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.RolloutState;
import dev.verge.core.json.Json;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real hub and real agents together: the happy path and the refusals. */
class FleetIntegrationTest {
  private static final String MODEL = "pump";
  private static final Map<String, String> SITE = Map.of("site", "a");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path root;
  private Fleet fleet;
  private Fleet.Publisher publisher;

  @BeforeEach
  void start() {
    fleet = new Fleet(root);
    publisher = fleet.publisher("publisher", true);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void enrolls_deploys_serves_syncs_and_upgrades() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(1f), publisher);
    Agent first = fleet.agent("first", SITE, publisher.publicKey());
    Agent second = fleet.agent("second", SITE, publisher.publicKey());
    Agent elsewhere = fleet.agent("elsewhere", Map.of("site", "b"), publisher.publicKey());

    DeploymentView v1 = fleet.deploy(MODEL, 1, SITE);
    assertThat(v1.counts().targeted()).isEqualTo(2);
    await(
        "both site-a agents serve v1",
        () -> fleet.admin.deployment(v1.id()).counts().active() == 2);

    for (Agent agent : new Agent[] {first, second}) {
      JsonNode answer = infer(agent.inferenceUrl(), MODEL, "[[2.0, 2.0]]", 200);
      assertThat(answer.path("model_version").asText()).isEqualTo("1");
      assertThat(answer.path("outputs").path(0).path("data").path(1).asDouble()).isGreaterThan(0.9);
    }
    assertThat(activeVersion(elsewhere.status(), MODEL)).isNull();
    await(
        "the hub holds both predictions",
        () ->
            fleet.admin.device(first.deviceId()).predictionsSynced() == 1
                && fleet.admin.device(second.deviceId()).predictionsSynced() == 1);
    await(
        "both agents report one prediction served",
        () ->
            fleet.admin.device(first.deviceId()).reported().predictionsServed() == 1
                && fleet.admin.device(second.deviceId()).reported().predictionsServed() == 1);

    fleet.publish(MODEL, 2, TestModels.logistic(3f), publisher);
    DeploymentView v2 = fleet.deploy(MODEL, 2, SITE);
    await("both agents serve v2", () -> fleet.admin.deployment(v2.id()).counts().active() == 2);
    assertThat(fleet.admin.deployment(v1.id()).devices())
        .extracting(DeviceRollout::state)
        .containsOnly(RolloutState.SUPERSEDED);
    JsonNode upgraded = infer(first.inferenceUrl(), MODEL, "[[1.0, 1.0]]", 200);
    assertThat(upgraded.path("model_version").asText()).isEqualTo("2");
    // v2 moved the decision point: a sum of 2 is now healthy.
    assertThat(upgraded.path("outputs").path(0).path("data").path(1).asDouble()).isLessThan(0.5);
  }

  @Test
  void agent_refuses_a_bundle_corrupted_on_the_hub_and_keeps_serving() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(1f), publisher);
    Agent agent = fleet.agent("device", SITE, publisher.publicKey());
    DeploymentView v1 = fleet.deploy(MODEL, 1, SITE);
    await("v1 active", () -> fleet.admin.deployment(v1.id()).counts().active() == 1);

    ModelVersionView v2 = fleet.publish(MODEL, 2, TestModels.logistic(3f), publisher);
    Path stored = fleet.hub.dataDir().resolve("bundles").resolve(v2.bundleDigest() + ".vbundle");
    try (FileChannel file = FileChannel.open(stored, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(new byte[] {0x42, 0x42, 0x42, 0x42}), v2.bundleSize() / 2);
    }
    DeploymentView deployment = fleet.deploy(MODEL, 2, SITE);

    await(
        "the device reports v2 failed",
        () -> fleet.admin.deployment(deployment.id()).counts().failed() == 1);
    DeviceRollout rollout = fleet.admin.deployment(deployment.id()).devices().get(0);
    assertThat(rollout.reason()).containsIgnoringCase("sha-256");
    assertThat(activeVersion(agent.status(), MODEL)).isEqualTo(1L);
    assertThat(
            infer(agent.inferenceUrl(), MODEL, "[[0.0, 0.0]]", 200).path("model_version").asText())
        .isEqualTo("1");
  }

  @Test
  void agent_refuses_a_bundle_signed_by_a_key_it_does_not_trust() throws Exception {
    Fleet.Publisher stranger = fleet.publisher("stranger", true);
    fleet.publish(MODEL, 1, TestModels.logistic(1f), publisher);
    Agent agent = fleet.agent("device", SITE, publisher.publicKey());
    DeploymentView v1 = fleet.deploy(MODEL, 1, SITE);
    await("v1 active", () -> fleet.admin.deployment(v1.id()).counts().active() == 1);

    // The hub trusts both publishers; the device only the first: a hub cannot push other models.
    fleet.publish(MODEL, 2, TestModels.logistic(3f), stranger);
    DeploymentView v2 = fleet.deploy(MODEL, 2, SITE);

    await(
        "the device reports v2 failed",
        () -> fleet.admin.deployment(v2.id()).counts().failed() == 1);
    assertThat(fleet.admin.deployment(v2.id()).devices().get(0).reason())
        .contains("not a trusted publisher key");
    assertThat(activeVersion(agent.status(), MODEL)).isEqualTo(1L);
  }

  @Test
  void hub_refuses_a_bundle_tampered_after_signing_and_one_from_an_unknown_publisher()
      throws Exception {
    Path bundle = fleet.bundle(MODEL, 1, TestModels.logistic(), publisher);
    // Swap in other weights but keep the signed manifest: what an attacker on the path would do.
    Path tampered = root.resolve("tampered.vbundle");
    try (ZipFile original = new ZipFile(bundle.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tampered))) {
      for (ZipEntry entry : java.util.Collections.list(original.entries())) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(
            entry.getName().endsWith(".onnx")
                ? TestModels.logistic(-5f)
                : original.getInputStream(entry).readAllBytes());
        out.closeEntry();
      }
    }

    assertThatThrownBy(() -> fleet.admin.publish(tampered, b -> {}))
        .isInstanceOf(HubClientException.class)
        .hasMessageContaining("422")
        .hasMessageContaining("pump-1.onnx");
    Fleet.Publisher unknown = fleet.publisher("unknown", false);
    Path foreign = fleet.bundle("other", 1, TestModels.logistic(), unknown);
    assertThatThrownBy(() -> fleet.admin.publish(foreign, b -> {}))
        .isInstanceOf(HubClientException.class)
        .hasMessageContaining("422")
        .hasMessageContaining("not a trusted publisher key");
    assertThat(fleet.admin.models()).isEmpty();
  }

  @Test
  void wrong_tokens_get_401_and_an_enrollment_token_works_once() throws Exception {
    HubAdminClient intruder = new HubAdminClient(fleet.hub.url(), "vadm_not-the-token");
    assertThatThrownBy(intruder::devices)
        .isInstanceOf(HubClientException.class)
        .satisfies(e -> assertThat(((HubClientException) e).status()).isEqualTo(401));
    HttpResponse<String> noToken =
        HTTP.send(
            HttpRequest.newBuilder(fleet.hub.url().resolve("/api/v1/devices")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(Json.tree(noToken.body().getBytes()).path("error").asText()).isNotBlank();

    String token = fleet.admin.createEnrollmentToken(600L, "once").token();
    HttpRequest enroll =
        HttpRequest.newBuilder(fleet.hub.url().resolve("/api/v1/enroll"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"d\",\"labels\":{}}"))
            .build();
    assertThat(HTTP.send(enroll, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    assertThat(HTTP.send(enroll, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
  }

  @Test
  void local_api_names_what_is_wrong_with_a_request() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(), publisher);
    Agent agent = fleet.agent("device", SITE, publisher.publicKey());
    DeploymentView v1 = fleet.deploy(MODEL, 1, SITE);
    await("v1 active", () -> fleet.admin.deployment(v1.id()).counts().active() == 1);
    URI url = agent.inferenceUrl();

    JsonNode mismatch = infer(url, MODEL, "[1.0, 2.0, 3.0]", 400);
    assertThat(mismatch.path("error").asText()).contains("input 'input'").contains("3");
    JsonNode unknown = infer(url, "no-such-model", "[[1.0, 2.0]]", 404);
    assertThat(unknown.path("error").asText()).contains("no-such-model");
    HttpResponse<String> malformed =
        HTTP.send(
            HttpRequest.newBuilder(url.resolve("/v2/models/" + MODEL + "/infer"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [ {\"name\": "))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(Json.tree(malformed.body().getBytes()).path("error").asText()).isNotBlank();
    assertThat(agent.status().predictionsFailed()).isGreaterThanOrEqualTo(3);
  }

  private static JsonNode infer(URI agent, String model, String data, int expectedStatus)
      throws Exception {
    int elements = data.replaceAll("[^,]", "").length() + 1;
    String shape = data.startsWith("[[") ? "[1, " + elements + "]" : "[1, 2]";
    String body =
        "{\"id\": \"t\", \"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": "
            + shape
            + ", \"data\": "
            + data
            + "}]}";
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(agent.resolve("/v2/models/" + model + "/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
    return Json.tree(response.body().getBytes());
  }
}
