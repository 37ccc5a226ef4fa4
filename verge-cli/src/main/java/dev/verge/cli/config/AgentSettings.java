package dev.verge.cli.config;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.agent.forward.ForwardConfig;
import dev.verge.agent.pipeline.PipelinesConfig;
import dev.verge.agent.push.PushMode;
import dev.verge.agent.serving.ServingLimits;
import dev.verge.agent.sync.DownloadLimits;
import dev.verge.agent.sync.UpdatePolicy;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.ExecutionProvider;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every setting of {@code verge agent}; the defaults come from {@link AgentConfig}. */
public final class AgentSettings {
  static final String SECTION = "agent";
  private static final long MIB = 1024 * 1024;
  private static final String DURATIONS = "a duration above zero: 500ms, 5s, 2m or 1h";

  public static final Setting<URI> HUB =
      Setting.required(SECTION, "hub", Parsers.httpUrl(), "an http:// or https:// URL");

  public static final Setting<Path> DATA =
      Setting.required(SECTION, "data", Parsers.path(), "a folder path");

  public static final Setting<String> BIND =
      Setting.of(
          SECTION,
          "bind",
          Parsers.address(),
          "an IP address or host name of this machine (127.0.0.1 keeps the API local)",
          () -> AgentConfig.DEFAULT_BIND_ADDRESS,
          AgentConfig.DEFAULT_BIND_ADDRESS);

  public static final Setting<Integer> PORT =
      Setting.of(
          SECTION,
          "port",
          Parsers.port(),
          "0 to 65535 (0 picks a free port)",
          () -> AgentConfig.DEFAULT_PORT,
          String.valueOf(AgentConfig.DEFAULT_PORT));

  // part 5 (grpc): the KServe v2 gRPC API, on the bind address; off unless a port is given.
  public static final Setting<Integer> GRPC_PORT =
      Setting.of(
          SECTION,
          "grpc-port",
          Parsers.portOr("off", AgentConfig.GRPC_OFF),
          "off, or 0 to 65535 (0 picks a free port; Triton and KServe use "
              + AgentConfig.SUGGESTED_GRPC_PORT
              + ")",
          () -> AgentConfig.GRPC_OFF,
          "off");

  public static final Setting<Path> ENROLL_TOKEN_FILE =
      Setting.of(
          SECTION,
          "enroll-token-file",
          Parsers.path(),
          "a file holding a one-time enrollment token",
          () -> null,
          null);

  public static final Setting<String> NAME =
      Setting.of(
          SECTION,
          "name",
          Parsers.text(),
          "any text of at most 200 characters",
          AgentConfig::defaultDeviceName,
          "this host's name");

  public static final Setting<Map<String, String>> LABELS =
      Setting.of(
              SECTION,
              "labels",
              Parsers.labels(),
              "key=value pairs; keys of letters, digits, '.', '_', '/', '-'",
              Map::<String, String>of,
              null)
          .withFlag("--label")
          .shaped(Setting.Shape.MAP);

  public static final Setting<List<Path>> TRUST =
      Setting.of(
              SECTION,
              "trust",
              Parsers.paths(),
              "publisher key files (.pub) or folders of them",
              List::<Path>of,
              null)
          .shaped(Setting.Shape.LIST)
          .asRequired();

  public static final Setting<Duration> POLL_INTERVAL =
      Setting.of(
          SECTION,
          "poll-interval",
          Parsers.duration(),
          DURATIONS,
          () -> AgentConfig.DEFAULT_POLL_INTERVAL,
          text(AgentConfig.DEFAULT_POLL_INTERVAL));

  public static final Setting<Duration> FORWARD_INTERVAL =
      Setting.of(
          SECTION,
          "forward-interval",
          Parsers.duration(),
          DURATIONS,
          () -> AgentConfig.DEFAULT_FORWARD_INTERVAL,
          text(AgentConfig.DEFAULT_FORWARD_INTERVAL));

  public static final Setting<ForwardConfig.Mode> FORWARD_MODE =
      Setting.of(
          SECTION,
          "forward-mode",
          Parsers.oneOf(ForwardConfig.Mode.class),
          "all (every prediction goes to the hub) or metered (predictions stay on the device, the"
              + " hub gets reports and events)",
          () -> ForwardConfig.defaults().mode(),
          "all");

  public static final Setting<Boolean> FORWARD_COMPRESS =
      Setting.of(
          SECTION,
          "forward-compress",
          Parsers.bool(),
          "true (batches go gzip-compressed) or false",
          () -> ForwardConfig.defaults().compress(),
          "true");

  public static final Setting<Long> MAX_UPLOAD_RATE =
      Setting.of(
          SECTION,
          "max-upload-rate",
          Parsers.byteRate(1L << 40),
          "bytes a second such as 64KiB or 1MB; 0 for no cap",
          () -> ForwardConfig.defaults().maxUploadRate(),
          "0");

  public static final Setting<Integer> THREADS =
      Setting.of(
          SECTION,
          "threads",
          Parsers.integer(0, 1024),
          "0 to 1024 (0 lets ONNX Runtime choose)",
          () -> EngineOptions.defaults().intraOpThreads(),
          String.valueOf(EngineOptions.defaults().intraOpThreads()));

  // Part "footprint" (issue 8): where models run.
  public static final Setting<ExecutionProvider> EXECUTION_PROVIDER =
      Setting.of(
          SECTION,
          "execution-provider",
          Parsers.oneOf(ExecutionProvider.class),
          Parsers.names(ExecutionProvider.class)
              + " (auto: CUDA when the GPU build of ONNX Runtime and a GPU are present)",
          () -> EngineOptions.defaults().executionProvider(),
          "auto");

  public static final Setting<Long> MAX_STORE_MB =
      Setting.of(
          SECTION,
          "max-store-mb",
          Parsers.wholeNumber(0, 1024 * 1024),
          "0 (no budget) or 1 to 1048576 (MiB)",
          () -> AgentConfig.DEFAULT_MAX_STORE_BYTES / MIB,
          String.valueOf(AgentConfig.DEFAULT_MAX_STORE_BYTES / MIB));

  public static final Setting<Path> METRICS_TOKEN_FILE =
      Setting.of(
          SECTION,
          "metrics-token-file",
          Parsers.path(),
          "a file holding the bearer token GET /metrics then requires",
          () -> null,
          null);

  public static final Setting<ZoneId> TIME_ZONE =
      Setting.of(
          SECTION,
          "time-zone",
          Parsers.zone(),
          "an IANA time zone id such as Europe/Berlin, UTC, or an offset such as +02:00",
          ZoneId::systemDefault,
          "the system's zone");

  // Prediction capture (part: capture); defaults from CaptureConfig and CapturePolicy.

  public static final Setting<CaptureConfig.Mode> CAPTURE_MODE =
      Setting.of(
          SECTION,
          "capture-mode",
          Parsers.captureMode(),
          "buffered (answer at once, durable within capture-window; 'async' means the same) or"
              + " sync (answer once durable)",
          () -> CaptureConfig.defaults().mode(),
          lower(CaptureConfig.defaults().mode()));

  public static final Setting<Duration> CAPTURE_WINDOW =
      Setting.of(
          SECTION,
          "capture-window",
          Parsers.duration(),
          "a duration from 1ms to " + CaptureConfig.MAX_WINDOW.toMillis() + "ms",
          () -> CaptureConfig.DEFAULT_WINDOW,
          text(CaptureConfig.DEFAULT_WINDOW));

  public static final Setting<Integer> CAPTURE_BATCH =
      Setting.of(
          SECTION,
          "capture-batch",
          Parsers.integer(1, CaptureConfig.MAX_BATCH),
          "1 to " + CaptureConfig.MAX_BATCH + " (records per commit)",
          () -> CaptureConfig.DEFAULT_BATCH,
          String.valueOf(CaptureConfig.DEFAULT_BATCH));

  public static final Setting<Integer> CAPTURE_QUEUE =
      Setting.of(
          SECTION,
          "capture-queue",
          Parsers.integer(1, CaptureConfig.MAX_QUEUE_CAPACITY),
          "1 to " + CaptureConfig.MAX_QUEUE_CAPACITY + " (records waiting to be written)",
          () -> CaptureConfig.DEFAULT_QUEUE_CAPACITY,
          String.valueOf(CaptureConfig.DEFAULT_QUEUE_CAPACITY));

  public static final Setting<CaptureConfig.WhenFull> CAPTURE_WHEN_FULL =
      Setting.of(
          SECTION,
          "capture-when-full",
          Parsers.oneOf(CaptureConfig.WhenFull.class),
          "wait (for room: nothing answered goes unrecorded) or drop (answer, count it dropped)",
          () -> CaptureConfig.defaults().whenFull(),
          lower(CaptureConfig.defaults().whenFull()));

  public static final Setting<Boolean> CAPTURE_INPUTS =
      Setting.of(
          SECTION,
          "capture-inputs",
          Parsers.bool(),
          "true or false",
          () -> CapturePolicy.DEFAULT.inputs(),
          String.valueOf(CapturePolicy.DEFAULT.inputs()));

  public static final Setting<Double> CAPTURE_SAMPLE =
      Setting.of(
          SECTION,
          "capture-sample",
          Parsers.rate(),
          "a share of requests from 0 to 1, such as 0.25 or 25%",
          () -> CapturePolicy.DEFAULT.sampleRate(),
          "1");

  public static final Setting<Integer> CAPTURE_MAX_RECORD_KB =
      Setting.of(
          SECTION,
          "capture-max-record-kb",
          Parsers.integer(
              CapturePolicy.MIN_RECORD_BYTES / 1024, CapturePolicy.MAX_RECORD_BYTES / 1024),
          CapturePolicy.MIN_RECORD_BYTES / 1024
              + " to "
              + CapturePolicy.MAX_RECORD_BYTES / 1024
              + " (KiB of JSON per record)",
          () -> CapturePolicy.DEFAULT.maxRecordBytes() / 1024,
          String.valueOf(CapturePolicy.DEFAULT.maxRecordBytes() / 1024));

  public static final Setting<Integer> CAPTURE_MAX_RATE =
      Setting.of(
          SECTION,
          "capture-max-rate",
          Parsers.integer(0, CapturePolicy.MAX_RATE),
          "0 (no limit) to " + CapturePolicy.MAX_RATE + " records a second per model",
          () -> CapturePolicy.DEFAULT.maxRate(),
          String.valueOf(CapturePolicy.DEFAULT.maxRate()));

  public static final Setting<Map<String, String>> CAPTURE_MODELS =
      Setting.of(
              SECTION,
              "capture-models",
              Parsers.modelSpecs(),
              "model=terms pairs; terms: inputs=true|false sample=0.25|25% max-record-kb=N"
                  + " max-rate=N, separated by spaces or ';'",
              Map::<String, String>of,
              null)
          .withFlag("--capture-model")
          .shaped(Setting.Shape.MAP);
  // What inference requests may take (issue 8, "no input can hurt it").

  public static final Setting<Long> MAX_REQUEST_MB =
      Setting.of(
          SECTION,
          "max-request-mb",
          Parsers.wholeNumber(1, 1024 * 1024),
          "1 to 1048576 (MiB)",
          () -> Math.max(1, ServingLimits.defaults().maxRequestBytes() / MIB),
          "1/8 of the heap");

  public static final Setting<Integer> MAX_CONCURRENT_REQUESTS =
      Setting.of(
          SECTION,
          "max-concurrent-requests",
          Parsers.integer(1, 100_000),
          "1 to 100000",
          () -> ServingLimits.DEFAULT_MAX_CONCURRENT_REQUESTS,
          String.valueOf(ServingLimits.DEFAULT_MAX_CONCURRENT_REQUESTS));

  // Safe model updates on the device (issue 9): the journal's boot counter, the health check that
  // commits a new version or goes back by itself, bundle garbage collection.

  public static final Setting<Integer> UPDATE_MAX_RUNS =
      Setting.of(
          SECTION,
          "update-max-runs",
          Parsers.integer(1, 100),
          "1 to 100 runs in a row of a new version on trial that answer no request",
          () -> UpdatePolicy.DEFAULT_MAX_RUNS,
          String.valueOf(UpdatePolicy.DEFAULT_MAX_RUNS));

  public static final Setting<Integer> HEALTH_CHECK_REQUESTS =
      Setting.of(
          SECTION,
          "health-check-requests",
          Parsers.integer(1, 1_000_000),
          "1 to 1000000 requests",
          () -> UpdatePolicy.DEFAULT_HEALTH_REQUESTS,
          String.valueOf(UpdatePolicy.DEFAULT_HEALTH_REQUESTS));

  public static final Setting<Duration> HEALTH_CHECK_WINDOW =
      Setting.of(
          SECTION,
          "health-check-window",
          Parsers.durationOrZero(),
          "a duration such as 10m, or 0 to commit a new version at its activation",
          () -> UpdatePolicy.DEFAULT_HEALTH_WINDOW,
          text(UpdatePolicy.DEFAULT_HEALTH_WINDOW));

  public static final Setting<Double> HEALTH_MAX_ERROR_RATE =
      Setting.of(
          SECTION,
          "health-max-error-rate",
          Parsers.rate(),
          "a share of requests from 0 to 1, such as 0.05 or 5%",
          () -> UpdatePolicy.DEFAULT_MAX_ERROR_RATE,
          "5%");

  public static final Setting<Duration> HEALTH_MAX_P95_LATENCY =
      Setting.of(
          SECTION,
          "health-max-p95-latency",
          Parsers.durationOrZero(),
          "a duration such as 250ms, or 0 for no limit",
          () -> Duration.ZERO,
          "0 (no limit)");

  public static final Setting<Integer> KEEP_BUNDLES =
      Setting.of(
          SECTION,
          "keep-bundles",
          Parsers.integer(1, 1000),
          "1 to 1000 bundles per model (the active one counts)",
          () -> UpdatePolicy.DEFAULT_KEEP_BUNDLES,
          String.valueOf(UpdatePolicy.DEFAULT_KEEP_BUNDLES));
  // Bundle downloads and the models they bring (issue 9, part "bounded").

  public static final Setting<Duration> DOWNLOAD_IDLE_TIMEOUT =
      Setting.of(
          SECTION,
          "download-idle-timeout",
          Parsers.duration(),
          DURATIONS,
          () -> DownloadLimits.DEFAULT_IDLE_TIMEOUT,
          text(DownloadLimits.DEFAULT_IDLE_TIMEOUT));

  public static final Setting<Long> MAX_DOWNLOAD_RATE =
      Setting.of(
          SECTION,
          "max-download-rate",
          Parsers.byteRate(1L << 40),
          "0 (no cap) or bytes a second: 256KiB, 2MB, 1MiB/s (kB, MB, GB: powers of 1000; KiB,"
              + " MiB, GiB: of 1024)",
          () -> 0L,
          "0");

  public static final Setting<Long> MAX_MODEL_MB =
      Setting.of(
          SECTION,
          "max-model-mb",
          Parsers.wholeNumber(1, 1024 * 1024),
          "1 to 1048576 (MiB)",
          () -> DownloadLimits.defaults().maxModelBytes() / MIB,
          "1/2 of the direct memory (the heap's size unless -XX:MaxDirectMemorySize)");

  // issue 9, part "idle": a far-edge agent asleep between its pipelines' cycles
  public static final Setting<Boolean> SLEEP_BETWEEN_CYCLES =
      Setting.of(
          SECTION,
          "sleep-between-cycles",
          Parsers.bool(),
          "true (no loop runs on its own timer: one link pass to the hub after each pipeline"
              + " cycle, then every thread waits for the next cycle; needs a pipeline) or false",
          () -> false,
          "false");

  public static final Setting<Duration> LINK_TIMEOUT =
      Setting.of(
          SECTION,
          "link-timeout",
          Parsers.duration(PipelinesConfig.MIN_LINK_TIMEOUT, PipelinesConfig.MAX_LINK_TIMEOUT),
          "1s to 1h: the most one link pass (sync, forward predictions and events) may take when"
              + " sleep-between-cycles is on",
          () -> PipelinesConfig.DEFAULT_LINK_TIMEOUT,
          text(PipelinesConfig.DEFAULT_LINK_TIMEOUT));

  // Desired-state push over MQTT: the hub's broker tells the agent when to ask.
  public static final Setting<PushMode> PUSH =
      Setting.of(
          SECTION,
          "push",
          Parsers.oneOf(PushMode.class),
          "auto (ask the hub for push access at start and hear desired-state changes over its"
              + " MQTT broker; long-poll when it pushes nothing or the broker is down) or off"
              + " (always long-poll)",
          () -> PushMode.AUTO,
          "auto");

  public static final List<Setting<?>> ALL =
      List.of(
          HUB,
          DATA,
          BIND,
          PORT,
          GRPC_PORT,
          ENROLL_TOKEN_FILE,
          NAME,
          LABELS,
          TRUST,
          POLL_INTERVAL,
          PUSH,
          FORWARD_INTERVAL,
          FORWARD_MODE,
          FORWARD_COMPRESS,
          MAX_UPLOAD_RATE,
          THREADS,
          EXECUTION_PROVIDER,
          MAX_STORE_MB,
          METRICS_TOKEN_FILE,
          TIME_ZONE,
          CAPTURE_MODE,
          CAPTURE_WINDOW,
          CAPTURE_BATCH,
          CAPTURE_QUEUE,
          CAPTURE_WHEN_FULL,
          CAPTURE_INPUTS,
          CAPTURE_SAMPLE,
          CAPTURE_MAX_RECORD_KB,
          CAPTURE_MAX_RATE,
          CAPTURE_MODELS,
          MAX_REQUEST_MB,
          MAX_CONCURRENT_REQUESTS,
          UPDATE_MAX_RUNS,
          HEALTH_CHECK_REQUESTS,
          HEALTH_CHECK_WINDOW,
          HEALTH_MAX_ERROR_RATE,
          HEALTH_MAX_P95_LATENCY,
          KEEP_BUNDLES,
          DOWNLOAD_IDLE_TIMEOUT,
          MAX_DOWNLOAD_RATE,
          MAX_MODEL_MB,
          SLEEP_BETWEEN_CYCLES,
          LINK_TIMEOUT,
          LogSettings.FORMAT,
          LogSettings.LEVEL);

  private AgentSettings() {}

  /**
   * The agent's configuration from resolved settings, reading the enrollment token file.
   *
   * @throws ConfigException when a file a setting names is missing or unreadable
   */
  public static AgentConfig toConfig(Settings settings) {
    OnDisk.folder(settings, DATA);
    OnDisk.trustedKeys(settings, TRUST);
    String token = OnDisk.secret(settings, ENROLL_TOKEN_FILE);
    String metricsToken = OnDisk.secret(settings, METRICS_TOKEN_FILE);
    return AgentConfig.defaults(settings.get(HUB), settings.get(DATA))
        .withBindAddress(settings.get(BIND))
        .withPort(settings.get(PORT))
        .withEnrollmentToken(token)
        .withDevice(settings.get(NAME), settings.get(LABELS))
        .withTrustedKeys(settings.get(TRUST))
        .withPollInterval(settings.get(POLL_INTERVAL))
        .withPush(settings.get(PUSH))
        .withForwarding(settings.get(FORWARD_INTERVAL), AgentConfig.DEFAULT_FORWARD_BATCH_SIZE)
        .withEngineOptions(
            new EngineOptions(settings.get(THREADS), 1)
                .withExecutionProvider(settings.get(EXECUTION_PROVIDER))
                // Asleep, a cycle runs a few readings: threads spinning after them buy nothing.
                .withSpinning(!settings.get(SLEEP_BETWEEN_CYCLES)))
        .withMaxStoreBytes(settings.get(MAX_STORE_MB) * MIB)
        .withMetricsToken(metricsToken)
        .withTimeZone(settings.get(TIME_ZONE))
        .withCapture(capture(settings))
        .withForward(
            new ForwardConfig(
                settings.get(FORWARD_MODE),
                settings.get(FORWARD_COMPRESS),
                settings.get(MAX_UPLOAD_RATE)))
        .withGrpcPort(settings.get(GRPC_PORT))
        .withServingLimits(
            ServingLimits.defaults()
                .withMaxRequestBytes(settings.get(MAX_REQUEST_MB) * MIB)
                .withMaxConcurrentRequests(settings.get(MAX_CONCURRENT_REQUESTS)))
        .withUpdates(
            UpdatePolicy.defaults()
                .withMaxRuns(settings.get(UPDATE_MAX_RUNS))
                .withHealthCheck(
                    settings.get(HEALTH_CHECK_REQUESTS), settings.get(HEALTH_CHECK_WINDOW))
                .withLimits(
                    settings.get(HEALTH_MAX_ERROR_RATE), settings.get(HEALTH_MAX_P95_LATENCY))
                .withKeepBundles(settings.get(KEEP_BUNDLES)))
        .withDownloads(
            DownloadLimits.defaults()
                .withIdleTimeout(settings.get(DOWNLOAD_IDLE_TIMEOUT))
                .withMaxBytesPerSecond(settings.get(MAX_DOWNLOAD_RATE))
                .withMaxModelBytes(settings.get(MAX_MODEL_MB) * MIB))
        .withPipelines(
            new PipelinesConfig(
                List.of(), settings.get(SLEEP_BETWEEN_CYCLES), settings.get(LINK_TIMEOUT)));
  }

  /** The capture settings, each model's terms applied over the defaults (part: capture). */
  private static CaptureConfig capture(Settings settings) {
    CapturePolicy policy =
        new CapturePolicy(
            settings.get(CAPTURE_INPUTS),
            settings.get(CAPTURE_SAMPLE),
            settings.get(CAPTURE_MAX_RECORD_KB) * 1024,
            settings.get(CAPTURE_MAX_RATE));
    Map<String, CapturePolicy> models = new LinkedHashMap<>();
    settings
        .get(CAPTURE_MODELS)
        .forEach(
            (model, terms) -> {
              try {
                models.put(model, policy.with(terms));
              } catch (IllegalArgumentException e) {
                throw settings.invalid(CAPTURE_MODELS, "model '" + model + "': " + e.getMessage());
              }
            });
    Duration window = settings.get(CAPTURE_WINDOW);
    if (window.compareTo(CaptureConfig.MAX_WINDOW) > 0) {
      throw settings.invalid(
          CAPTURE_WINDOW, "is above " + CaptureConfig.MAX_WINDOW.toMillis() + "ms");
    }
    return new CaptureConfig(
        settings.get(CAPTURE_MODE),
        settings.get(CAPTURE_QUEUE),
        settings.get(CAPTURE_WHEN_FULL),
        policy,
        models,
        window,
        settings.get(CAPTURE_BATCH));
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static String text(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
