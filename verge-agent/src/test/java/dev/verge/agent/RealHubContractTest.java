package dev.verge.agent;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.json.Json;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The real hub, on loopback, as the other side of the contract FakeHub is held to. */
class RealHubContractTest extends HubContract {
  @TempDir Path dir;

  @Override
  Side side() {
    Hub real = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    return new Side() {
      @Override
      public URI url() {
        return real.url();
      }

      @Override
      public String enrollmentToken() {
        try {
          HttpResponse<byte[]> reply =
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(real.url().resolve(ApiPaths.ENROLLMENT_TOKENS))
                          .timeout(Duration.ofSeconds(10))
                          .header("Authorization", "Bearer " + real.adminToken())
                          .POST(
                              HttpRequest.BodyPublishers.ofByteArray(
                                  Json.write(new EnrollmentTokenRequest(null, "contract"))))
                          .build(),
                      HttpResponse.BodyHandlers.ofByteArray());
          return Json.read(reply.body(), EnrollmentToken.class).token();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void close() {
        real.close();
      }
    };
  }
}
