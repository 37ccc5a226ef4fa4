package dev.verge.cli;

import static dev.verge.cli.Fixtures.givenKeys;
import static dev.verge.cli.Fixtures.givenSignedBundle;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.cli.output.ProgressBar;
import dev.verge.core.bundle.Digests;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management commands against a real hub on a loopback port. */
class HubCommandsTest {
  @TempDir Path dir;
  Hub hub;
  Path tokenFile;
  Keys.KeyFiles publisher;
  Path bundle;

  @BeforeEach
  void startHub() {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    tokenFile = Fixtures.write(dir.resolve("admin.token"), hub.adminToken());
    publisher = givenKeys(dir.resolve("keys"), "p");
    bundle = givenSignedBundle(dir.resolve("build"), "pump", 1, publisher);
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  /** Runs {@code verge args --hub <this hub> --token-file <admin token>}. */
  Cli.Result verge(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--hub", hub.url().toString(), "--token-file", tokenFile.toString()));
    return Cli.run(all.toArray(String[]::new));
  }

  Cli.Result succeeds(String... args) {
    Cli.Result result = verge(args);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result;
  }

  void givenTrustedPublisher() {
    succeeds("keys", "trust", publisher.publicKey().toString());
  }

  void givenPublishedBundle() {
    givenTrustedPublisher();
    succeeds("model", "push", bundle.toString());
  }

  @Test
  void keys_trust_registers_the_publisher_key_and_keys_list_shows_it() {
    Cli.Result trusted = verge("keys", "trust", publisher.publicKey().toString(), "--name", "ops");
    Cli.Result listed = verge("keys", "list");

    assertThat(trusted.exit()).as(trusted.toString()).isZero();
    assertThat(trusted.out()).contains("The hub now trusts key " + publisher.keyId() + " (ops)");
    assertThat(listed.exit()).as(listed.toString()).isZero();
    assertThat(listed.out())
        .containsPattern("KEY ID\\s+NAME\\s+ADDED")
        .containsPattern(publisher.keyId() + "\\s+ops\\s+");
  }

  @Test
  void model_push_publishes_the_bundle_and_shows_upload_progress_to_100_percent()
      throws IOException {
    givenTrustedPublisher();

    Cli.Result result = verge("model", "push", bundle.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains(
            "Published pump v1 (sha256:"
                + Digests.sha256Hex(bundle)
                + ", signed by "
                + publisher.keyId()
                + ")");
    assertThat(result.err().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("upload " + bundle.getFileName() + " [")
                    .contains("100%")
                    .endsWith(ProgressBar.bytes(Files.size(bundle))));
  }

  @Test
  void model_push_exits_1_when_the_hub_does_not_trust_the_publisher() {
    Cli.Result result = verge("model", "push", bundle.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .contains("verge: hub answered 422: ")
        .contains(publisher.keyId() + ", which is not a trusted publisher key")
        .contains(
            "; trust it first with 'verge keys trust PUBLIC_KEY' (the .pub file of key "
                + publisher.keyId()
                + ")");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void model_push_of_an_onnx_model_refuses_before_uploading_and_says_to_make_a_bundle() {
    givenTrustedPublisher();
    Path model = Fixtures.givenModel(dir.resolve("raw"));

    Cli.Result result = verge("model", "push", model.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "verge: "
                + model
                + " is an ONNX model, not a Verge bundle: pack it first with 'verge bundle create"
                + " --model "
                + model
                + " --name NAME --version N --key PUBLISHER.key', then push the .vbundle file\n");
    assertThat(succeeds("model", "list", "-o", "json").json()).isEmpty();
  }

  @Test
  void model_push_of_an_unsigned_bundle_refuses_before_uploading_and_says_to_sign_it() {
    givenTrustedPublisher();
    Path unsigned = Fixtures.givenUnsignedBundle(dir.resolve("unsigned"), "pump", 1);

    Cli.Result result = verge("model", "push", unsigned.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("verge: " + unsigned + " is not signed: sign it with 'verge bundle sign")
        .doesNotContain("upload");
    assertThat(succeeds("model", "list", "-o", "json").json()).isEmpty();
  }

  @Test
  void model_list_shows_published_versions_as_a_table() {
    givenPublishedBundle();

    Cli.Result result = succeeds("model", "list");

    assertThat(result.out())
        .containsPattern("MODEL\\s+VERSION\\s+SIZE\\s+SIGNED BY\\s+PUBLISHED\\s+DIGEST")
        .containsPattern(
            "pump\\s+1\\s+[\\d.]+ (B|KiB)\\s+"
                + publisher.keyId()
                + "\\s+\\S+\\s+"
                + Digests.sha256Hex(bundle).substring(0, 12));
  }

  @Test
  void model_list_with_json_output_prints_models_and_versions() {
    givenPublishedBundle();

    JsonNode models = succeeds("model", "list", "-o", "json").json();

    assertThat(models.isArray()).isTrue();
    assertThat(models).hasSize(1);
    assertThat(models.get(0).path("name").asText()).isEqualTo("pump");
    JsonNode version = models.get(0).path("versions").get(0);
    assertThat(version.path("version").asLong()).isEqualTo(1);
    assertThat(version.path("bundleDigest").asText()).isEqualTo(Digests.sha256Hex(bundle));
    assertThat(version.path("publisherKeyId").asText()).isEqualTo(publisher.keyId());
  }

  @Test
  void model_pull_downloads_the_bundle_byte_for_byte() throws IOException {
    givenPublishedBundle();
    Path pulled = dir.resolve("pulled/x.vbundle");

    Cli.Result result = succeeds("model", "pull", "pump", "1", "--out", pulled.toString());

    assertThat(result.out()).contains("Wrote " + pulled);
    assertThat(result.err()).contains("download x.vbundle [").contains("100%");
    assertThat(Files.readAllBytes(pulled)).isEqualTo(Files.readAllBytes(bundle));
  }

  @Test
  void model_pull_does_not_replace_an_existing_file_without_force() throws IOException {
    givenPublishedBundle();
    Path pulled = Fixtures.write(dir.resolve("x.vbundle"), "keep me");

    Cli.Result refused = verge("model", "pull", "pump", "1", "--out", pulled.toString());

    assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo("verge: " + pulled + " exists already; pass --force to replace it\n");
    assertThat(Files.readString(pulled)).isEqualTo("keep me");

    succeeds("model", "pull", "pump", "1", "--out", pulled.toString(), "--force");
    assertThat(Files.readAllBytes(pulled)).isEqualTo(Files.readAllBytes(bundle));
  }

  @Test
  void model_pull_of_an_unknown_version_exits_1_with_404() {
    givenPublishedBundle();
    Path pulled = dir.resolve("x.vbundle");

    Cli.Result result = verge("model", "pull", "pump", "7", "--out", pulled.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: hub answered 404");
    assertThat(pulled).doesNotExist();
  }

  @Test
  void tokens_create_prints_a_one_time_enrollment_token() {
    Cli.Result result = succeeds("tokens", "create", "--ttl", "1h", "--note", "pump line 3");

    assertThat(result.out().strip()).startsWith("venr_").doesNotContain("\n");
    assertThat(result.err()).contains("One-time token, valid until ");
  }

  @Test
  void tokens_create_with_out_writes_an_owner_only_file_and_prints_where() throws IOException {
    Path file = dir.resolve("tokens/pump-1.token");

    Cli.Result result = succeeds("tokens", "create", "--out", file.toString());

    String token = Files.readString(file);
    assertThat(token).startsWith("venr_").endsWith("\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(result.out())
        .startsWith("Wrote a one-time enrollment token to " + file + " (owner-only), valid until ")
        .doesNotContain(token.strip());
    assertThat(result.err()).doesNotContain(token.strip());
  }

  @Test
  void tokens_create_with_out_refuses_to_replace_a_file_without_force() throws IOException {
    Path file = Fixtures.write(dir.resolve("pump-1.token"), "venr_earlier\n");

    Cli.Result refused = verge("tokens", "create", "--out", file.toString());

    assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo("verge: " + file + " exists already; pass --force to replace it\n");
    assertThat(Files.readString(file)).isEqualTo("venr_earlier\n");

    Cli.Result forced =
        succeeds("tokens", "create", "--out", file.toString(), "--force", "-o", "json");
    assertThat(Files.readString(file)).startsWith("venr_").isNotEqualTo("venr_earlier\n");
    assertThat(forced.json().path("file").asText()).isEqualTo(file.toString());
    assertThat(forced.json().path("expiresAt").asText()).isNotEmpty();
    assertThat(forced.out()).doesNotContain(Files.readString(file).strip());
  }

  @Test
  void tokens_create_with_json_output_prints_the_token_and_expiry() {
    JsonNode token = succeeds("tokens", "create", "-o", "json").json();

    assertThat(token.path("token").asText()).startsWith("venr_");
    assertThat(token.path("expiresAt").asText()).isNotEmpty();
  }

  @Test
  void tokens_create_refuses_a_duration_written_in_words() {
    Cli.Result result = verge("tokens", "create", "--ttl", "5 minutes");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .contains("--ttl")
        .contains("'5 minutes' is not a duration: write e.g. 500ms, 5s, 2m or 1h");
  }

  @Test
  void devices_with_no_enrolled_device_prints_only_the_table_headers() {
    Cli.Result result = succeeds("devices");

    assertThat(result.out().lines())
        .hasSize(2)
        .first()
        .asString()
        .matches("DEVICE\\s+NAME\\s+STATUS\\s+LABELS\\s+MODELS\\s+SERVED\\s+SYNCED\\s+LAST SEEN");
    assertThat(result.out().lines().toList().get(1)).matches("[- ]+");
  }

  @Test
  void devices_with_json_output_prints_an_empty_array() {
    JsonNode devices = succeeds("devices", "-o", "json").json();

    assertThat(devices.isArray()).isTrue();
    assertThat(devices).isEmpty();
  }

  @Test
  void deploy_prints_the_deployment_and_how_many_devices_it_targets() {
    givenPublishedBundle();

    Cli.Result result = succeeds("deploy", "--model", "pump", "--version", "1");

    assertThat(result.out()).isEqualTo("Deployment 1: pump v1 to 0 device(s)\n");
  }

  @Test
  void deploy_to_a_fleet_without_devices_warns_and_with_wait_exits_1() {
    givenPublishedBundle();

    Cli.Result plain = succeeds("deploy", "--model", "pump", "--version", "1");
    Cli.Result waited =
        verge("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "5s");

    assertThat(plain.said())
        .isEqualTo(
            "verge: warning: no device is enrolled with the hub yet; devices that enroll later"
                + " get deployment 1\n");
    assertThat(waited.exit()).as(waited.toString()).isEqualTo(1);
    assertThat(waited.out()).isEqualTo("Deployment 2: pump v1 to 0 device(s)\n");
    assertThat(waited.said()).endsWith("; nothing to wait for\n").doesNotContain("rollout");
  }

  @Test
  void deploy_with_json_output_prints_the_deployment() {
    givenPublishedBundle();

    JsonNode deployment =
        succeeds(
                "deploy",
                "--model",
                "pump",
                "--version",
                "1",
                "--selector",
                "site=north",
                "-o",
                "json")
            .json();

    assertThat(deployment.path("id").asLong()).isEqualTo(1);
    assertThat(deployment.path("model").asText()).isEqualTo("pump");
    assertThat(deployment.path("selector").asText()).isEqualTo("site=north");
    assertThat(deployment.path("counts").path("targeted").asInt()).isZero();
  }

  @Test
  void deploy_of_an_unknown_version_exits_1_with_404() {
    givenPublishedBundle();

    Cli.Result result = verge("deploy", "--model", "pump", "--version", "9");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: hub answered 404").doesNotContain("\tat ");
  }

  @Test
  void deployments_lists_deployments_as_a_table_and_as_json() {
    givenPublishedBundle();
    succeeds("deploy", "--model", "pump", "--version", "1", "--selector", "site=north");

    Cli.Result table = succeeds("deployments");
    JsonNode json = succeeds("deployments", "-o", "json").json();

    assertThat(table.out())
        .containsPattern(
            "ID\\s+MODEL\\s+VERSION\\s+SELECTOR\\s+PRIORITY\\s+STATE\\s+WAVE\\s+ACTIVE\\s+IN"
                + " PROGRESS\\s+FAILED\\s+SUPERSEDED\\s+CREATED")
        .containsPattern(
            "1\\s+pump\\s+1\\s+site=north\\s+0\\s+COMPLETED\\s+-\\s+0/0\\s+0\\s+0\\s+0\\s+\\S+");
    assertThat(json).hasSize(1);
    assertThat(json.get(0).path("id").asLong()).isEqualTo(1);
    assertThat(json.get(0).path("version").asLong()).isEqualTo(1);
  }

  @Test
  void deployments_with_an_id_shows_that_deployment_as_a_table_and_as_json() {
    givenPublishedBundle();
    succeeds("deploy", "--model", "pump", "--version", "1");

    Cli.Result table = succeeds("deployments", "1");
    JsonNode json = succeeds("deployments", "1", "-o", "json").json();

    assertThat(table.out())
        .startsWith("Rollout 1: pump v1 to every device\n")
        .contains("State:     COMPLETED")
        .containsPattern("DEVICE\\s+NAME\\s+STATE\\s+ACTIVE VERSION\\s+REASON");
    assertThat(json.path("id").asLong()).isEqualTo(1);
    assertThat(json.path("model").asText()).isEqualTo("pump");
    assertThat(json.path("devices").isArray()).isTrue();
  }

  @Test
  void deployments_of_an_unknown_id_exits_1_with_404() {
    Cli.Result result = verge("deployments", "42");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: hub answered 404");
  }

  @Test
  void a_wrong_admin_token_exits_1_with_401_and_a_hint() {
    Path wrong = Fixtures.write(dir.resolve("wrong.token"), "vadm_not-the-token\n");

    Cli.Result result =
        Cli.run("model", "list", "--hub", hub.url().toString(), "--token-file", wrong.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: hub answered 401").contains("--token-file");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void a_missing_token_file_exits_1_naming_the_file() {
    Path missing = dir.resolve("no.token");

    Cli.Result result =
        Cli.run("devices", "--hub", hub.url().toString(), "--token-file", missing.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: cannot read token file " + missing);
  }

  @Test
  void a_hub_address_without_a_scheme_exits_2_showing_the_url_to_write() {
    String bare = hub.url().getAuthority();

    Cli.Result result = Cli.run("devices", "--hub", bare, "--token-file", tokenFile.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            "verge: Invalid value for option '--hub': '"
                + bare
                + "' has no scheme: write http://"
                + bare
                + " (or https:// for a hub behind TLS)\n"
                + "Run 'verge devices --help' for how to use it.\n");
  }

  @Test
  void https_to_a_plain_http_hub_exits_1_saying_to_use_http() {
    String authority = hub.url().getAuthority();

    Cli.Result result =
        Cli.run("devices", "--hub", "https://" + authority, "--token-file", tokenFile.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "verge: the hub at "
                + authority
                + " speaks plain HTTP, not TLS: use --hub http://"
                + authority
                + "\n");
  }

  @Test
  void https_push_to_a_plain_http_hub_exits_1_saying_to_use_http() {
    givenTrustedPublisher();
    String authority = hub.url().getAuthority();

    Cli.Result result =
        Cli.run(
            "model",
            "push",
            bundle.toString(),
            "--hub",
            "https://" + authority,
            "--token-file",
            tokenFile.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .contains(
            "verge: the hub at " + authority + " speaks plain HTTP, not TLS: use --hub http://");
    assertThat(result.err().lines().filter(line -> line.startsWith("verge:"))).hasSize(1);
  }

  @Test
  void an_unreachable_hub_exits_1_saying_it_cannot_reach_the_hub() {
    Cli.Result result =
        Cli.run("devices", "--hub", "http://127.0.0.1:1", "--token-file", tokenFile.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "verge: cannot reach the hub at http://127.0.0.1:1: nothing answers there (is it"
                + " running? set --hub or VERGE_HUB)\n");
  }

  @Test
  void a_push_to_an_unreachable_https_hub_exits_1_in_one_line_naming_the_url() {
    givenTrustedPublisher();

    Cli.Result result =
        Cli.run(
            "model",
            "push",
            bundle.toString(),
            "--hub",
            "https://127.0.0.1:1",
            "--token-file",
            tokenFile.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err().lines().filter(line -> line.startsWith("verge:")))
        .containsExactly(
            "verge: cannot reach the hub at https://127.0.0.1:1: nothing answers there (is it"
                + " running? set --hub or VERGE_HUB)");
  }
}
