package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.ApiPaths;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document is generated from the route table; these tests hold it to the server that
 * answers: every documented operation exists, the hub's known endpoints are all documented, and
 * every error is the one {@code {error, code}} body.
 */
class OpenApiTest {
  /** The hub's REST API as docs/architecture.md lists it. */
  private static final List<String> ENDPOINTS =
      List.of(
          "POST /api/v1/publisher-keys",
          "GET /api/v1/publisher-keys",
          "POST /api/v1/models",
          "GET /api/v1/models",
          "GET /api/v1/models/{name}",
          "GET /api/v1/models/{name}/versions/{version}",
          "GET /api/v1/models/{name}/versions/{version}/predictions",
          "GET /api/v1/models/{name}/versions/{version}/predictions/aggregates",
          "POST /api/v1/enrollment-tokens",
          "GET /api/v1/devices",
          "GET /api/v1/devices/{id}",
          "PATCH /api/v1/devices/{id}/labels",
          "POST /api/v1/deployments",
          "GET /api/v1/deployments",
          "GET /api/v1/deployments/{id}",
          "POST /api/v1/deployments/{id}/pause",
          "POST /api/v1/deployments/{id}/resume",
          "POST /api/v1/deployments/{id}/abort",
          "POST /api/v1/deployments/{id}/rollback",
          "GET /api/v1/devices/{id}/explain",
          "GET /api/v1/devices/{id}/events",
          "POST /api/v1/devices/{id}/events",
          "POST /api/v1/enroll",
          "GET /api/v1/devices/{id}/desired",
          "POST /api/v1/devices/{id}/push",
          "PUT /api/v1/devices/{id}/reported",
          "POST /api/v1/devices/{id}/predictions",
          "GET /api/v1/bundles/{digest}",
          "GET /api/v1/openapi.json",
          "GET /metrics");

  @TempDir Path dir;
  private TestHub hub;
  private JsonNode doc;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
    HubClient.Reply reply = hub.admin().get(ApiPaths.OPENAPI);
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    doc = reply.json();
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private List<String> operations() {
    List<String> operations = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue()
          .fieldNames()
          .forEachRemaining(m -> operations.add(m.toUpperCase() + " " + path.getKey()));
    }
    return operations;
  }

  @Test
  void is_openapi_3_1_and_documents_exactly_the_hubs_endpoints() {
    assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
    assertThat(operations()).containsExactlyInAnyOrderElementsOf(ENDPOINTS);
  }

  @Test
  void every_documented_operation_is_served() {
    for (String operation : operations()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path =
          operation
              .substring(operation.indexOf(' ') + 1)
              .replace("{digest}", "0".repeat(64))
              .replaceAll("\\{[a-z]+}", "1");
      HubClient.Reply reply = hub.admin().send(method, path, HttpRequest.BodyPublishers.noBody());

      assertThat(reply.status()).as("%s -> %s", operation, reply).isNotEqualTo(405);
      if (String.valueOf(reply.header("Content-Type")).startsWith("application/json")) {
        assertThat(reply.code()).as("%s -> %s", operation, reply).isNotEqualTo("NO_ROUTE");
      }
    }
  }

  @Test
  void an_unknown_path_is_not_served_nor_documented() {
    HubClient.Reply reply = hub.admin().get(ApiPaths.PREFIX + "/nothing");

    assertThat(reply.code()).isEqualTo("NO_ROUTE");
    assertThat(doc.path("paths").has(ApiPaths.PREFIX + "/nothing")).isFalse();
  }

  @Test
  void every_error_is_the_error_and_code_body_and_every_call_needs_a_bearer() {
    JsonNode error = doc.path("components").path("schemas").path("ApiError").path("properties");
    assertThat(error.has("error")).isTrue();
    assertThat(error.has("code")).isTrue();
    doc.path("paths")
        .forEach(
            path ->
                path.forEach(
                    op -> {
                      assertThat(
                              op.path("responses")
                                  .path("default")
                                  .path("content")
                                  .path("application/json")
                                  .path("schema")
                                  .path("$ref")
                                  .asText())
                          .isEqualTo("#/components/schemas/ApiError");
                      assertThat(op.path("security").get(0).has("bearer")).isTrue();
                    }));
  }

  @Test
  void bodies_name_their_records_with_their_fields() {
    JsonNode deploy = doc.path("paths").path(ApiPaths.DEPLOYMENTS).path("post").path("requestBody");
    JsonNode request = doc.path("components").path("schemas").path("DeploymentRequest");

    assertThat(deploy.path("content").path("application/json").path("schema").path("$ref").asText())
        .isEqualTo("#/components/schemas/DeploymentRequest");
    assertThat(request.path("properties").has("selector")).isTrue();
  }

  @Test
  void the_document_needs_authentication_like_every_call() {
    assertThat(hub.anonymous().get(ApiPaths.OPENAPI).status()).isEqualTo(401);
  }
}
