package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpErrorsTest {
  @TempDir Path dir;
  TestHub hub;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  @Test
  void malformed_json_is_400_naming_where() {
    HubClient.Reply reply = hub.admin().postText(ApiPaths.DEPLOYMENTS, "{\"model\": \"iris\",,}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("malformed JSON").contains("line 1, column");
    assertThat(reply.code()).isEqualTo("BAD_REQUEST");
  }

  @Test
  void json_of_the_wrong_shape_is_400() {
    HubClient.Reply reply = hub.admin().postText(ApiPaths.DEPLOYMENTS, "[1, 2]");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("DeploymentRequest");
  }

  @Test
  void an_empty_body_where_json_is_required_is_400() {
    HubClient.Reply reply = hub.admin().postText(ApiPaths.DEPLOYMENTS, "");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("empty");
  }

  @Test
  void an_unknown_path_is_404_with_a_json_error() {
    HubClient.Reply reply = hub.admin().get("/api/v1/nothing-here");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("/api/v1/nothing-here");
    assertThat(reply.header("Content-Type")).isEqualTo("application/json");
  }

  @Test
  void a_wrong_method_is_405_naming_the_allowed_ones() {
    HubClient.Reply reply =
        hub.admin()
            .send("DELETE", ApiPaths.MODELS, java.net.http.HttpRequest.BodyPublishers.noBody());

    assertThat(reply.status()).isEqualTo(405);
    assertThat(reply.header("Allow")).isEqualTo("GET, HEAD, POST");
    assertThat(reply.error()).contains("DELETE");
  }
}
