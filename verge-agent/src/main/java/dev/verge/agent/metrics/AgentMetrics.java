package dev.verge.agent.metrics;

import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.forward.ForwardMetrics;
import dev.verge.agent.pipeline.PipelineMetrics;
import dev.verge.agent.serving.MetricsPage;
import dev.verge.agent.serving.ServingMetrics;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.StoreEvents;
import dev.verge.agent.store.StoreUsage;
import dev.verge.agent.sync.SyncMetrics;
import dev.verge.agent.sync.SyncState;
import dev.verge.http.metrics.PrometheusScraper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The agent's Prometheus metrics. The agent's parts report to it through their own small interfaces
 * ({@link ServingMetrics}, {@link StoreEvents}, {@link CaptureMetrics}, {@link ForwardMetrics},
 * {@link SyncMetrics}, {@link PipelineMetrics}); gauges read the store and the sync loop when
 * scraped. One instance per agent, made by {@code Agent.start}; no global registry.
 */
public final class AgentMetrics
    implements ServingMetrics,
        StoreEvents,
        CaptureMetrics,
        ForwardMetrics,
        SyncMetrics,
        PipelineMetrics,
        AutoCloseable {

  /** From well under a millisecond (a small model) to seconds (a large one on a slow CPU). */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofNanos(50_000),
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofNanos(2_500_000),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final PrometheusMeterRegistry registry;
  private final PrometheusScraper scraper;
  private final Map<VersionKey, VersionMeters> versions = new ConcurrentHashMap<>();
  private final Counter recorded;
  private final Counter forwarded;
  private final Counter pruned;
  private final Counter setAside;
  private final Counter discarded;
  private final Counter downloadBytes;
  private final Counter uploadJsonBytes;
  private final Counter uploadWireBytes;
  private final Counter commits;
  private final Timer commitDuration;
  private final Timer captureLag;
  private final Counter sampledOut;
  private final Counter rateLimited;
  private final Counter waits;
  private final Counter omitted;
  private final Counter writerFailures;
  private final Map<String, Counter> captureDrops = new ConcurrentHashMap<>();

  public AgentMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    scraper = new PrometheusScraper(registry);
    // Heap and uptime only: thread and CPU binders cost about 1 MiB more resident memory.
    new JvmMemoryMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    recorded =
        Counter.builder("verge.agent.predictions.recorded")
            .description("Predictions recorded in the local store (each answered request)")
            .register(registry);
    forwarded =
        Counter.builder("verge.agent.predictions.forwarded")
            .description("Predictions the hub acknowledged")
            .register(registry);
    pruned = dropped("pruned");
    setAside = dropped("refused_by_hub");
    discarded = dropped("metered_pruned");
    uploadJsonBytes =
        Counter.builder("verge.agent.forward.bytes")
            .tag("as", "json")
            .description(
                "Prediction batches sent to the hub: their JSON, and what went on the wire")
            .register(registry);
    uploadWireBytes =
        Counter.builder("verge.agent.forward.bytes")
            .tag("as", "wire")
            .description(
                "Prediction batches sent to the hub: their JSON, and what went on the wire")
            .register(registry);
    downloadBytes =
        Counter.builder("verge.agent.bundle.download.bytes")
            .description("Bundle bytes received from the hub, resumed attempts included")
            .register(registry);
    downloads(true);
    downloads(false);
    commits =
        Counter.builder("verge.agent.capture.commits")
            .description("Transactions the capture writer committed (many predictions each)")
            .register(registry);
    commitDuration =
        Timer.builder("verge.agent.capture.commit.duration")
            .description("How long the capture writer's transactions took to commit")
            .register(registry);
    // Its max (the longest of the last two minutes or so) is what a power cut would lose in
    // buffered mode: the records answered within that long.
    captureLag =
        Timer.builder("verge.agent.capture.lag")
            .description(
                "How long each commit's oldest record waited, from its capture to its commit")
            .register(registry);
    sampledOut =
        Counter.builder("verge.agent.capture.sampled.out")
            .description("Answered requests left unrecorded by their model's sample rate")
            .register(registry);
    rateLimited =
        Counter.builder("verge.agent.capture.rate.limited")
            .description(
                "Answered requests left unrecorded because their model reached its records a second")
            .register(registry);
    waits =
        Counter.builder("verge.agent.capture.queue.waits")
            .description("Requests that found the capture queue full and waited for room")
            .register(registry);
    omitted =
        Counter.builder("verge.agent.capture.data.omitted")
            .description("Records over their size cap, kept with tensor shapes but not data")
            .register(registry);
    writerFailures =
        Counter.builder("verge.agent.capture.writer.failures")
            .description("Rounds of the capture writer that failed (each is retried or reported)")
            .register(registry);
    for (String reason : List.of("queue_full", "capture_failed", "closed")) {
      captureDrops.put(reason, dropped(reason));
    }
  }

  private Counter dropped(String reason) {
    return Counter.builder("verge.agent.predictions.dropped")
        .description(
            "Predictions no longer kept for the hub: pruned (deleted, already forwarded, to make"
                + " room), metered_pruned (deleted unforwarded to make room on a metered device),"
                + " refused_by_hub (set aside, kept but not sent again), or answered but"
                + " never recorded: queue_full (capture-when-full: drop), capture_failed (the"
                + " writer could not store them), closed (the agent stopped first)")
        .tag("reason", reason)
        .register(registry);
  }

  private Counter downloads(boolean complete) {
    return Counter.builder("verge.agent.bundle.downloads")
        .description("Bundle download attempts, by outcome")
        .tag("outcome", complete ? "complete" : "failed")
        .register(registry);
  }

  /**
   * Registers the gauges that read the running agent. Call once, when its parts exist.
   *
   * @param syncState where the sync loop stands
   * @param lastContact when the hub last answered with success
   */
  public void watch(
      AgentStore store,
      PredictionCapture capture,
      Supplier<SyncState> syncState,
      Supplier<Optional<Instant>> lastContact) {
    Gauge.builder("verge.agent.capture.queued", capture, PredictionCapture::queued)
        .description("Answered predictions waiting for the capture writer")
        .strongReference(true)
        .register(registry);
    Gauge.builder("verge.agent.capture.queue.capacity", capture, c -> c.config().queueCapacity())
        .description("The most predictions the capture queue holds (capture-queue)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("verge.agent.capture.store.full", capture, c -> c.full() ? 1 : 0)
        .description("1 while the store is full and requests that would be recorded are refused")
        .strongReference(true)
        .register(registry);
    Supplier<StoreUsage> usage = scraper.perScrape(store::usage);
    storeGauge(
        "verge.agent.store.size.bytes",
        "Size of the store's database, -wal and -shm files on disk, what its budget caps",
        usage,
        StoreUsage::sizeBytes);
    storeGauge(
        "verge.agent.store.used.bytes",
        "Bytes of the store's database that hold data (freed pages are reused)",
        usage,
        StoreUsage::usedBytes);
    storeGauge(
        "verge.agent.store.budget.bytes",
        "The store's budget (--max-store-mb); 0 when it has none",
        usage,
        StoreUsage::budgetBytes);
    storeGauge(
        "verge.agent.predictions.pending",
        "Recorded predictions not yet acknowledged by the hub",
        usage,
        StoreUsage::pending);
    for (SyncState state : SyncState.values()) {
      Gauge.builder("verge.agent.sync.state", syncState, s -> s.get() == state ? 1 : 0)
          .description("1 for the sync loop's current state, 0 for the others")
          .tag("state", state.label())
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder(
            "verge.agent.hub.last.contact.age.seconds",
            lastContact,
            c ->
                c.get()
                    .map(t -> Duration.between(t, Instant.now()).toMillis() / 1000.0)
                    .orElse(Double.NaN))
        .description("Seconds since the hub last answered with success; NaN before the first")
        .strongReference(true)
        .register(registry);
    Gauge.builder(
            "verge.agent.hub.last.contact.timestamp.seconds",
            lastContact,
            c -> c.get().map(t -> t.toEpochMilli() / 1000.0).orElse(Double.NaN))
        .description("When the hub last answered with success, in Unix seconds")
        .strongReference(true)
        .register(registry);
  }

  private void storeGauge(
      String name,
      String description,
      Supplier<StoreUsage> usage,
      ToDoubleFunction<StoreUsage> value) {
    Gauge.builder(name, usage, u -> value.applyAsDouble(u.get()))
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  /**
   * {@code GET /metrics} for the local API.
   *
   * @param token the bearer token scrapers must send, null for none
   * @param loopback whether the API is bound to a loopback address
   */
  public MetricsPage page(String token, boolean loopback) {
    return new MetricsEndpoint(scraper::scrape, token, loopback);
  }

  // Serving.

  @Override
  public void answered(String model, long version, long nanos) {
    VersionMeters meters = meters(model, version);
    meters.requests().increment();
    meters.latency().record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void failed(String model, long version, long nanos) {
    VersionMeters meters = meters(model, version);
    meters.requests().increment();
    meters.errors().increment();
  }

  private VersionMeters meters(String model, long version) {
    return versions.computeIfAbsent(new VersionKey(model, version), this::register);
  }

  private VersionMeters register(VersionKey key) {
    String version = Long.toString(key.version());
    return new VersionMeters(
        Counter.builder("verge.agent.inference.requests")
            .description("Inference requests that reached a model version, answered or not")
            .tags("model", key.model(), "version", version)
            .register(registry),
        Counter.builder("verge.agent.inference.errors")
            .description("Inference requests a model version failed (bad input, engine, store)")
            .tags("model", key.model(), "version", version)
            .register(registry),
        Timer.builder("verge.agent.inference.duration")
            .description("Time to answer an inference request, prediction recorded included")
            .tags("model", key.model(), "version", version)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry));
  }

  private record VersionKey(String model, long version) {}

  private record VersionMeters(Counter requests, Counter errors, Timer latency) {}

  // Store and forwarding.

  @Override
  public void recorded() {
    recorded.increment();
  }

  @Override
  public void pruned(int count) {
    pruned.increment(count);
  }

  @Override
  public void discarded(int count) {
    discarded.increment(count);
  }

  @Override
  public void forwarded(int count) {
    forwarded.increment(count);
  }

  @Override
  public void setAside(int count) {
    setAside.increment(count);
  }

  @Override
  public void uploaded(long jsonBytes, long wireBytes) {
    uploadJsonBytes.increment(jsonBytes);
    uploadWireBytes.increment(wireBytes);
  }

  // Capture.

  @Override
  public void committed(int records, Duration took, Duration oldestWaited) {
    commits.increment();
    commitDuration.record(took);
    if (records > 0) {
      captureLag.record(oldestWaited);
    }
  }

  @Override
  public void sampledOut() {
    sampledOut.increment();
  }

  @Override
  public void rateLimited() {
    rateLimited.increment();
  }

  @Override
  public void waitedForRoom() {
    waits.increment();
  }

  @Override
  public void dropped(String reason, int count) {
    captureDrops.computeIfAbsent(reason, this::dropped).increment(count);
  }

  @Override
  public void dataOmitted() {
    omitted.increment();
  }

  @Override
  public void writerFailed() {
    writerFailures.increment();
  }

  // Sync.

  @Override
  public void downloaded(boolean complete, long bytes) {
    downloads(complete).increment();
    downloadBytes.increment(bytes);
  }

  @Override
  public void installed(String outcome) {
    Counter.builder("verge.agent.installs")
        .description("Attempts to make a desired version serve: activated, or the refusing check")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  // Pipelines (issue 9): a few series per configured pipeline, made on first use.

  @Override
  public void cycle(String pipeline, String outcome) {
    Counter.builder("verge.agent.pipeline.cycles")
        .description("Pipeline cycles ended, by outcome: ok, failed, waiting (model not served)")
        .tags("pipeline", pipeline, "outcome", outcome)
        .register(registry)
        .increment();
  }

  @Override
  public void readings(String pipeline, String outcome, int count) {
    Counter.builder("verge.agent.pipeline.readings")
        .description("Readings of pipeline sources, by outcome: predicted, rejected, failed")
        .tags("pipeline", pipeline, "outcome", outcome)
        .register(registry)
        .increment(count);
  }

  @Override
  public void action(String pipeline, String action, String outcome) {
    Counter.builder("verge.agent.pipeline.actions")
        .description(
            "Actions of pipeline rules (event, webhook, command), by outcome: ok, failed, dropped,"
                + " cooling")
        .tags("pipeline", pipeline, "action", action, "outcome", outcome)
        .register(registry)
        .increment();
  }

  @Override
  public void rolledBack(String reason) {
    Counter.builder("verge.agent.rollbacks")
        .description(
            "Versions the device went back from, or refused, by itself: load, samples, crash_loop,"
                + " health")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void collected(int count, long bytes) {
    Counter.builder("verge.agent.bundles.deleted")
        .description("Bundle files deleted by garbage collection")
        .register(registry)
        .increment(count);
    Counter.builder("verge.agent.bundles.deleted.bytes")
        .description("Bytes of bundle files deleted by garbage collection")
        .baseUnit("bytes")
        .register(registry)
        .increment(bytes);
  }

  @Override
  public void close() {
    registry.close();
  }
}
