package dev.verge.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.serving.MetricsPage;
import dev.verge.http.metrics.PrometheusScraper.Scrape;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  private static final Scrape PAGE =
      new Scrape("text/plain", "up 1\n".getBytes(StandardCharsets.UTF_8));

  private static String text(MetricsPage.Page page) {
    return new String(page.body(), StandardCharsets.UTF_8);
  }

  @Test
  void serves_without_a_token_on_loopback() {
    MetricsPage.Page page = new MetricsEndpoint(accept -> PAGE, null, true).render(null, null);

    assertThat(page.status()).isEqualTo(200);
    assertThat(text(page)).isEqualTo("up 1\n");
  }

  @Test
  void refuses_without_a_token_when_bound_beyond_loopback_and_says_how_to_fix_it() {
    MetricsPage.Page page = new MetricsEndpoint(accept -> PAGE, null, false).render(null, null);

    assertThat(page.status()).isEqualTo(403);
    assertThat(page.contentType()).isEqualTo("application/json");
    assertThat(text(page)).contains("loopback").contains("--metrics-token-file");
  }

  @Test
  void a_token_opens_it_beyond_loopback_for_whoever_sends_it() {
    MetricsEndpoint endpoint = new MetricsEndpoint(accept -> PAGE, "s3cret", false);

    assertThat(endpoint.render(null, "Bearer s3cret").status()).isEqualTo(200);
    assertThat(endpoint.render(null, "bearer s3cret").status()).isEqualTo(200);
    assertThat(endpoint.render(null, "Bearer s3cre").status()).isEqualTo(401);
    assertThat(endpoint.render(null, "Basic s3cret").status()).isEqualTo(401);
    MetricsPage.Page missing = endpoint.render(null, null);
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"verge-agent\"");
  }
}
