package dev.verge.http.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Renders a registry for {@code GET /metrics}, the same way for the hub and the agent: the
 * exposition format the scraper asks for, and gauges that share one read per page.
 */
public final class PrometheusScraper {
  /** One rendering of the metrics, in the exposition format the scraper asked for. */
  public record Scrape(String contentType, byte[] body) {}

  private final PrometheusMeterRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final List<PerScrape<?>> perScrape = new CopyOnWriteArrayList<>();

  public PrometheusScraper(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * A value read at most once per page, so several gauges share one read (of the store, of the
   * fleet) instead of one read each; every page reads it anew.
   */
  public <T> Supplier<T> perScrape(Supplier<T> read) {
    PerScrape<T> value = new PerScrape<>(read);
    perScrape.add(value);
    return value;
  }

  /** The metrics in the format {@code accept} prefers: OpenMetrics when asked, else text 0.0.4. */
  public Scrape scrape(String accept) {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    if (!writer.isAvailable()) {
      // Protobuf needs a module left out of the distribution; text is always understood.
      writer = formats.getPrometheusTextFormatWriter();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      perScrape.forEach(PerScrape::invalidate);
      registry.scrape(out, writer.getContentType());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot render the metrics: " + e.getMessage(), e);
    }
    return new Scrape(writer.getContentType(), out.toByteArray());
  }

  private static final class PerScrape<T> implements Supplier<T> {
    private final Supplier<T> read;
    private T value;

    PerScrape(Supplier<T> read) {
      this.read = read;
    }

    @Override
    public synchronized T get() {
      if (value == null) {
        value = read.get();
      }
      return value;
    }

    synchronized void invalidate() {
      value = null;
    }
  }
}
