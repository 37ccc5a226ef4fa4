package dev.verge.http.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PrometheusScraperTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PrometheusScraper scraper = new PrometheusScraper(registry);

  @Test
  void gauges_sharing_a_per_scrape_value_read_it_once_per_page() {
    AtomicInteger reads = new AtomicInteger();
    Supplier<Integer> shared = scraper.perScrape(reads::incrementAndGet);
    Gauge.builder("a", shared, s -> s.get()).strongReference(true).register(registry);
    Gauge.builder("b", shared, s -> s.get() * 10).strongReference(true).register(registry);

    String first = text(scraper.scrape("text/plain"));
    String second = text(scraper.scrape("text/plain"));

    assertThat(first).contains("a 1.0", "b 10.0");
    assertThat(second).contains("a 2.0", "b 20.0");
    assertThat(reads).hasValue(2);
  }

  @Test
  void answers_openmetrics_when_asked_and_text_otherwise() {
    assertThat(scraper.scrape("application/openmetrics-text; version=1.0.0").contentType())
        .startsWith("application/openmetrics-text");
    assertThat(scraper.scrape(null).contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(scraper.scrape("application/vnd.google.protobuf").contentType())
        .startsWith("text/plain");
  }

  private static String text(PrometheusScraper.Scrape scrape) {
    return new String(scrape.body(), StandardCharsets.UTF_8);
  }
}
