package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.json.Json;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verge devices}: pages, selectors and status against a real hub. */
class DevicesCommandTest {
  @TempDir Path dir;
  Hub hub;
  HubAdminClient admin;
  Path tokenFile;

  @BeforeEach
  void startHub() throws Exception {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    admin = new HubAdminClient(hub.url(), hub.adminToken());
    tokenFile = Fixtures.write(dir.resolve("admin.token"), hub.adminToken());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 1; i <= 5; i++) {
      String token = admin.createEnrollmentToken(null, null).token();
      HttpResponse<String> enrolled =
          http.send(
              HttpRequest.newBuilder(hub.url().resolve(ApiPaths.ENROLL))
                  .timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofByteArray(
                          Json.write(
                              new EnrollRequest(
                                  "pump-" + i,
                                  Map.of("site", i <= 3 ? "plant-7" : "lab"),
                                  "0.2.0",
                                  "linux"))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
    }
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  Cli.Result verge(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--hub", hub.url().toString(), "--token-file", tokenFile.toString()));
    return Cli.run(all.toArray(String[]::new));
  }

  @Test
  void a_page_says_how_to_get_the_next_and_all_follows_every_page() {
    Cli.Result page = verge("devices", "--selector", "site=plant-7", "--limit", "2");
    Cli.Result all = verge("devices", "--selector", "site=plant-7", "--limit", "2", "--all");
    Cli.Result json = verge("devices", "--all", "--limit", "2", "-o", "json");

    assertThat(page.exit()).as(page.toString()).isZero();
    assertThat(page.out()).containsPattern("(?m)^DEVICE\\s+NAME\\s+STATUS\\s+LABELS");
    assertThat(page.out().lines().filter(l -> l.startsWith("dev-"))).hasSize(2);
    assertThat(page.err()).contains("More devices follow: add --cursor ");
    assertThat(all.out().lines().filter(l -> l.startsWith("dev-"))).hasSize(3);
    assertThat(all.out()).contains("offline");
    assertThat(all.err()).doesNotContain("More devices follow");
    assertThat(json.json().size()).isEqualTo(5);
  }

  @Test
  void the_printed_cursor_continues_where_the_page_ended() {
    Cli.Result first = verge("devices", "--limit", "3", "-o", "json");
    Matcher said = Pattern.compile("add --cursor (\\S+) ").matcher(first.err());
    assertThat(said.find()).as(first.err()).isTrue();

    Cli.Result rest = verge("devices", "--limit", "3", "--cursor", said.group(1), "-o", "json");

    assertThat(first.json().size()).isEqualTo(3);
    assertThat(rest.json().size()).isEqualTo(2);
    assertThat(rest.err()).doesNotContain("More devices follow");
  }

  @Test
  void a_status_that_matches_nothing_prints_the_headers_only() {
    Cli.Result online = verge("devices", "--status", "online");

    assertThat(online.exit()).as(online.toString()).isZero();
    assertThat(online.out().lines()).hasSize(2).first().asString().startsWith("DEVICE");
  }

  @Test
  void a_malformed_selector_status_or_limit_is_a_usage_error() {
    Cli.Result selector = verge("devices", "--selector", "site in (a");
    Cli.Result status = verge("devices", "--status", "asleep");
    Cli.Result limit = verge("devices", "--limit", "1001");

    assertThat(selector.exit()).isEqualTo(2);
    assertThat(selector.err()).contains("'site in (a': cannot read selector requirement 1");
    assertThat(status.exit()).isEqualTo(2);
    assertThat(status.err()).contains("--status").contains("asleep");
    assertThat(limit.exit()).isEqualTo(2);
    assertThat(limit.err()).contains("'--limit': 1001 is not from 1 to 1000");
  }
}
