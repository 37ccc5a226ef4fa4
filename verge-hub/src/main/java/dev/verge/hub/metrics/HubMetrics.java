package dev.verge.hub.metrics;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.http.metrics.PrometheusScraper;
import dev.verge.http.metrics.PrometheusScraper.Scrape;
import dev.verge.hub.device.Devices;
import dev.verge.hub.model.PublishListener;
import dev.verge.hub.model.Published;
import dev.verge.hub.push.Push;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.telemetry.IngestListener;
import dev.verge.hub.telemetry.PredictionMaintenance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The hub's Prometheus metrics: requests by route, publishes, ingested predictions, and gauges of
 * the fleet read from the store when scraped. One instance per hub, owned by {@code Hub}; no global
 * registry.
 */
public final class HubMetrics implements PublishListener, IngestListener, AutoCloseable {
  /** A device counts as online when it called the hub within this window. */
  public static final Duration ONLINE_WINDOW = Duration.ofMinutes(2);

  private final PrometheusMeterRegistry registry;
  private final PrometheusScraper scraper;
  private final HttpMetrics http;
  private final boolean open;

  /**
   * @param open whether {@code /metrics} answers without the admin token (the hub then listens on
   *     loopback only)
   */
  public HubMetrics(Devices devices, Rollouts rollouts, boolean open) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.scraper = new PrometheusScraper(registry);
    this.http = new HttpMetrics(registry);
    this.open = open;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Supplier<Fleet> fleet =
        scraper.perScrape(
            () ->
                Fleet.of(
                    devices.counts(ONLINE_WINDOW), rollouts.phases(), rollouts.deviceStates()));
    gauge("verge.hub.devices", "Enrolled devices", fleet, f -> f.devices());
    gauge(
        "verge.hub.devices.online",
        "Devices that called the hub within the last " + ONLINE_WINDOW.toSeconds() + " s",
        fleet,
        f -> f.online());
    gauge("verge.hub.deployments", "Deployments recorded", fleet, f -> f.deployments());
    for (RolloutState state : RolloutState.values()) {
      Gauge.builder("verge.hub.rollout.devices", fleet, f -> f.get().rollouts().get(state))
          .description("Devices targeted by a deployment, summed over deployments, by state")
          .tag("state", state.name())
          .strongReference(true)
          .register(registry);
    }
    for (RolloutPhase phase : RolloutPhase.values()) {
      Gauge.builder("verge.hub.rollouts", fleet, f -> f.get().phases().get(phase))
          .description("Rollouts (deployments) by phase")
          .tag("phase", phase.name())
          .strongReference(true)
          .register(registry);
    }
    FunctionCounter.builder(
            "verge.hub.rollout.engine.failures", rollouts.engine(), e -> e.failures())
        .description("Rollout engine iterations that failed (logged; the engine goes on)")
        .register(registry);
    FunctionCounter.builder(
            "verge.hub.rollout.engine.iterations", rollouts.engine(), e -> e.iterations())
        .description("Rollout engine iterations run (each steps every live rollout)")
        .register(registry);
    FunctionCounter.builder(
            "verge.hub.rollout.engine.busy.seconds", rollouts.engine(), e -> e.busySeconds())
        .description("Time the rollout engine spent in its iterations")
        .register(registry);
    // Create the counters up front so that they read 0 before the first event.
    publishes("created");
    publishes("unchanged");
    ingestedRecords();
  }

  /** Counts what the predictions' upkeep (partitions, retention) did and how often it failed. */
  public void predictionUpkeep(PredictionMaintenance upkeep) {
    FunctionCounter.builder(
            "verge.hub.prediction.upkeep.failures", upkeep, PredictionMaintenance::failures)
        .description(
            "Prediction upkeep rounds (partitions, retention) that failed (logged; retried)")
        .register(registry);
    FunctionCounter.builder(
            "verge.hub.prediction.upkeep.rows.deleted", upkeep, PredictionMaintenance::rowsDeleted)
        .description("Predictions past retention deleted row by row")
        .register(registry);
    FunctionCounter.builder(
            "verge.hub.prediction.upkeep.partitions.dropped",
            upkeep,
            PredictionMaintenance::partitionsDropped)
        .description("Day partitions of predictions past retention dropped (PostgreSQL)")
        .register(registry);
  }

  /** Desired-state push: the broker link, present devices, and what was published and issued. */
  public void push(Push push) {
    Gauge.builder("verge.hub.push.connected", push, p -> p.connected() ? 1 : 0)
        .description("1 while the hub is connected to its push broker, else 0")
        .register(registry);
    Gauge.builder("verge.hub.push.devices.present", push, Push::present)
        .description("Devices whose refreshed presence on the push broker says online")
        .register(registry);
    Gauge.builder("verge.hub.push.pending", push, Push::pending)
        .description("Devices with a desired-state change not yet published (broker down)")
        .register(registry);
    counter(
        "verge.hub.push.published",
        push,
        Push::published,
        "Desired-state change messages the broker acknowledged");
    counter(
        "verge.hub.push.publish.failures",
        push,
        Push::failedPublishes,
        "Publishes that failed (each is retried once the hub is connected)");
    counter(
        "verge.hub.push.credentials.issued",
        push,
        Push::issued,
        "Broker credentials issued to devices");
    counter(
        "verge.hub.push.broker.file.failures",
        push,
        Push::failedFileWrites,
        "Rewrites of the broker's password and ACL files that failed (retried)");
  }

  /** A counter read from {@code source} at each scrape. */
  private <T> void counter(String name, T source, ToDoubleFunction<T> count, String description) {
    FunctionCounter.builder(name, source, count).description(description).register(registry);
  }

  private void gauge(
      String name, String description, Supplier<Fleet> fleet, ToDoubleFunction<Fleet> value) {
    Gauge.builder(name, fleet, f -> value.applyAsDouble(f.get()))
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  public HttpMetrics http() {
    return http;
  }

  /** Whether {@code /metrics} is served without the admin token. */
  public boolean open() {
    return open;
  }

  /** The metrics in the format {@code accept} prefers (OpenMetrics or text 0.0.4). */
  public Scrape scrape(String accept) {
    return scraper.scrape(accept);
  }

  @Override
  public void published(Published published) {
    publishes(published.created() ? "created" : "unchanged").increment();
  }

  @Override
  public void refused(String code) {
    publishes("refused_" + code.toLowerCase(Locale.ROOT)).increment();
  }

  private Counter publishes(String outcome) {
    return Counter.builder("verge.hub.publishes")
        .description("Bundle uploads, by outcome: created, unchanged or refused_<code>")
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void ingested(BatchAck ack) {
    ingestedRecords().increment(ack.accepted());
    Counter.builder("verge.hub.prediction.batches")
        .description("Prediction batches received from devices, new or resent")
        .tag("outcome", ack.duplicate() ? "duplicate" : "stored")
        .register(registry)
        .increment();
  }

  private Counter ingestedRecords() {
    return Counter.builder("verge.hub.predictions.ingested")
        .description("Prediction records stored, each (device, sequence) once")
        .register(registry);
  }

  @Override
  public void close() {
    registry.close();
  }
}
