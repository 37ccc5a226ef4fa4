package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.json.Json;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code verge agent} as a user starts it, against a real hub: what it prints, what it leaves. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AgentStartupTest {
  private static final Pattern SERVING =
      Pattern.compile("agent (dev-[0-9a-f]+) serving on (http://127\\.0\\.0\\.1:(\\d+)), hub .*");

  @TempDir Path dir;
  private Hub hub;
  private HubAdminClient admin;
  private Keys.KeyFiles publisher;
  private Process agent;

  @BeforeEach
  void startHub() {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    admin = new HubAdminClient(hub.url(), hub.adminToken());
    publisher = Fixtures.givenKeys(dir, "publisher");
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (agent != null) {
      agent.destroy();
      if (!agent.waitFor(20, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
    hub.close();
  }

  private Path tokenFile() throws IOException {
    String token = admin.createEnrollmentToken(600L, "test").token();
    return Files.writeString(dir.resolve("enroll.token"), token);
  }

  /** Issue 6: an agent started with --port 0 did not say where it serves. */
  @Test
  void agent_on_port_0_logs_its_url_as_one_json_line_and_writes_it_to_agent_endpoint()
      throws Exception {
    Path token = tokenFile();
    Path data = dir.resolve("device");
    Path stdout = dir.resolve("stdout.txt");
    Path stderr = dir.resolve("stderr.txt");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            Main.class.getName(),
            "agent",
            "--hub",
            hub.url().toString(),
            "--data",
            data.toString(),
            "--port",
            "0",
            "--trust",
            publisher.publicKey().toString(),
            "--enroll-token-file",
            token.toString(),
            "--label",
            "site=a",
            "--log-format",
            "json"));
    ProcessBuilder builder = new ProcessBuilder(command);
    // ONNX Runtime 1.29 crashes in processes with a command line over ~4 KB.
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    agent = builder.start();

    Path endpoint = data.resolve(AgentCommand.ENDPOINT_FILE);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!Files.exists(endpoint)) {
      assertThat(agent.isAlive()).as("agent running; stderr: %s", read(stderr)).isTrue();
      assertThat(Instant.now()).as("agent started in time").isBefore(deadline);
      Thread.sleep(50);
    }

    List<String> lines = new ArrayList<>(read(stdout).lines().toList());
    lines.addAll(read(stderr).lines().toList());
    List<JsonNode> records =
        lines.stream().map(l -> Json.tree(l.getBytes(StandardCharsets.UTF_8))).toList();
    Matcher serving =
        records.stream()
            .map(r -> SERVING.matcher(r.path("message").asText()))
            .filter(Matcher::matches)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no 'serving on' record in " + lines));
    assertThat(Integer.parseInt(serving.group(3))).isPositive();
    assertThat(Files.readString(endpoint).strip()).isEqualTo(serving.group(2));
    assertThat(lines).doesNotHaveDuplicates();
    assertThat(String.join("\n", lines)).doesNotContain(Files.readString(token).strip());
    assertThat(DevicesCommand.userLabels(admin.device(serving.group(1)).labels()))
        .as("its own labels, beside the hardware profile's verge.io/ ones")
        .isEqualTo(Map.of("site", "a"));
    HttpResponse<String> live =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(serving.group(2) + "/v2/health/live"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(live.statusCode()).isEqualTo(200);
  }

  /** Issue 6: it spent the one-time token and left a ghost device on the hub. */
  @Test
  void agent_whose_port_is_taken_exits_naming_the_address_and_leaves_the_token_unspent()
      throws Exception {
    Path token = tokenFile();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli.Result result =
          Cli.run(
              "agent",
              "--hub",
              hub.url().toString(),
              "--data",
              dir.resolve("device").toString(),
              "--port",
              String.valueOf(taken.getLocalPort()),
              "--trust",
              publisher.publicKey().toString(),
              "--enroll-token-file",
              token.toString());

      assertThat(result.exit()).as(result.toString()).isEqualTo(1);
      assertThat(result.err())
          .contains("verge: cannot serve on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another --port");
    }
    assertThat(admin.devices()).isEmpty();
    HttpResponse<String> enroll =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(hub.url() + ApiPaths.ENROLL))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + Files.readString(token).strip())
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofByteArray(
                            Json.write(new EnrollRequest("later", Map.of(), "test", "linux"))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(enroll.statusCode()).as(enroll.body()).isEqualTo(201);
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }
}
