package dev.verge.agent;

import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.forward.ForwardConfig;
import dev.verge.agent.pipeline.PipelineSpec;
import dev.verge.agent.pipeline.Pipelines;
import dev.verge.agent.pipeline.PipelinesConfig;
import dev.verge.agent.push.PushMode;
import dev.verge.agent.serving.ServingLimits;
import dev.verge.agent.sync.DownloadLimits;
import dev.verge.agent.sync.UpdatePolicy;
import dev.verge.runtime.EngineOptions;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * How one agent runs. Build it from {@link #defaults} and the {@code with...} methods; {@link
 * Agent#start} checks it with {@link #validate()} and refuses a bad value by name.
 *
 * @param hubUrl the hub's base URL, {@code http} or {@code https}
 * @param dataDir this device's folder: identity, store, kept bundles (created owner-only)
 * @param bindAddress address of the local inference API; loopback unless configured otherwise
 * @param port port of the local inference API; 0 picks a free one
 * @param enrollmentToken one-time token, needed only while the device is not enrolled; null else
 * @param deviceName the name the hub shows
 * @param labels labels the hub's deployment selectors match
 * @param trustedKeys publisher public keys ({@code .pub} files, or folders of them)
 * @param pollInterval how often to ask the hub for the desired state
 * @param forwardInterval how often to forward recorded predictions
 * @param forwardBatchSize most predictions per forwarded batch
 * @param engineOptions how the inference engine uses the machine
 * @param maxStoreBytes budget of the local store in bytes, 0 for none; see {@link
 *     #withMaxStoreBytes}
 * @param metricsToken bearer token {@code GET /metrics} requires; null (the default) serves the
 *     metrics without one while the API is bound to loopback, and refuses them otherwise
 * @param timeZone the device's zone, in which maintenance windows are read; reported to the hub
 *     (default: the JVM's system zone)
 * @param capture how predictions are recorded: mode, queue, per-model policies (part: capture)
 * @param grpcPort port of the KServe v2 gRPC API on {@code bindAddress}, {@link #GRPC_OFF} (the
 *     default) for none; 0 picks a free one. Needs the verge-grpc module on the class path.
 * @param servingLimits what inference requests may take (tensor bytes each, bytes in flight, infer
 *     calls at once); the default follows the heap
 * @param forward how predictions travel to the hub: all or metered, compressed, the upload cap
 * @param downloads what bundle downloads and the models they bring may take: the idle time-out, the
 *     rate cap, the largest model loaded (issue 9, part "bounded"); the default follows the heap
 * @param updates how a new model version is guarded on the device: runs without a commit, the
 *     health check that commits it or goes back, bundles kept per model (issue 9)
 * @param pipelines declarative pipelines (source, schedule, model, rules and actions; none by
 *     default) and whether the agent sleeps between their cycles (issue 9, part "idle")
 * @param push whether desired-state changes are heard pushed over MQTT: {@link PushMode#AUTO} (the
 *     default) asks the hub for access at start and long-polls when it pushes nothing; {@link
 *     PushMode#OFF} never asks. Asleep between pipeline cycles, the agent never subscribes.
 */
public record AgentConfig(
    URI hubUrl,
    Path dataDir,
    String bindAddress,
    int port,
    String enrollmentToken,
    String deviceName,
    Map<String, String> labels,
    List<Path> trustedKeys,
    Duration pollInterval,
    Duration forwardInterval,
    int forwardBatchSize,
    EngineOptions engineOptions,
    long maxStoreBytes,
    String metricsToken,
    ZoneId timeZone,
    CaptureConfig capture,
    // part 5 (grpc): the gRPC door
    int grpcPort,
    ServingLimits servingLimits,
    ForwardConfig forward,
    // issue 9, part "bounded"
    DownloadLimits downloads,
    UpdatePolicy updates,
    // issue 9 (pipelines; part "idle": sleep between cycles)
    PipelinesConfig pipelines,
    PushMode push) {

  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 7080;

  // part 5 (grpc)
  /** {@link #grpcPort} when the agent opens no gRPC API (the default). */
  public static final int GRPC_OFF = -1;

  /** The port Triton and KServe use for gRPC, suggested when turning it on. */
  public static final int SUGGESTED_GRPC_PORT = 8001;

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_FORWARD_INTERVAL = Duration.ofSeconds(5);
  public static final int DEFAULT_FORWARD_BATCH_SIZE = 500;
  public static final int MAX_FORWARD_BATCH_SIZE = 10_000;

  /** The local store's default budget: room for about a million small predictions. */
  public static final long DEFAULT_MAX_STORE_BYTES = 256L * 1024 * 1024;

  /** Below this a budget would not hold the schema and a useful backlog. */
  public static final long MIN_STORE_BYTES = 1024L * 1024;

  public AgentConfig {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    trustedKeys = trustedKeys == null ? List.of() : List.copyOf(trustedKeys);
    pipelines = pipelines == null ? PipelinesConfig.of(List.of()) : pipelines;
    push = push == null ? PushMode.AUTO : push;
  }

  /**
   * Every setting at its default: loopback on port {@value #DEFAULT_PORT}, the host name as device
   * name, no labels, no token, no trusted keys (which {@link #validate()} refuses: add some).
   */
  public static AgentConfig defaults(URI hubUrl, Path dataDir) {
    return new AgentConfig(
        hubUrl,
        dataDir,
        DEFAULT_BIND_ADDRESS,
        DEFAULT_PORT,
        null,
        defaultDeviceName(),
        Map.of(),
        List.of(),
        DEFAULT_POLL_INTERVAL,
        DEFAULT_FORWARD_INTERVAL,
        DEFAULT_FORWARD_BATCH_SIZE,
        EngineOptions.defaults(),
        DEFAULT_MAX_STORE_BYTES,
        null,
        ZoneId.systemDefault(),
        CaptureConfig.defaults(),
        GRPC_OFF,
        ServingLimits.defaults(),
        ForwardConfig.defaults(),
        DownloadLimits.defaults(),
        UpdatePolicy.defaults(),
        PipelinesConfig.of(List.of()),
        PushMode.AUTO);
  }

  /**
   * Checks every value the agent relies on.
   *
   * @return this
   * @throws InvalidConfigException naming the first bad value and how to fix it
   */
  public AgentConfig validate() {
    if (hubUrl == null) {
      throw invalid("no hub URL: pass --hub URL");
    }
    String scheme = hubUrl.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw invalid("hub URL '" + hubUrl + "' must start with http:// or https://");
    }
    if (hubUrl.getHost() == null) {
      throw invalid("hub URL '" + hubUrl + "' has no host");
    }
    if (dataDir == null) {
      throw invalid("no data folder: pass --data DIR");
    }
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw invalid("data folder " + dataDir + " exists and is not a folder");
    }
    if (bindAddress == null || bindAddress.isBlank()) {
      throw invalid("no bind address: pass --bind ADDRESS (127.0.0.1 keeps the API local)");
    }
    try {
      InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw invalid("bind address '" + bindAddress + "' cannot be resolved", e);
    }
    if (port < 0 || port > 65_535) {
      throw invalid("port " + port + " is outside 0-65535 (0 picks a free port)");
    }
    // part 5 (grpc)
    if (grpcPort < GRPC_OFF || grpcPort > 65_535) {
      throw invalid(
          "gRPC port " + grpcPort + " is outside 0-65535 (0 picks a free port; off for none)");
    }
    if (grpcPort != GRPC_OFF && grpcPort != 0 && grpcPort == port) {
      throw invalid("gRPC port " + grpcPort + " is also the HTTP port: choose another one");
    }
    if (enrollmentToken != null && enrollmentToken.isBlank()) {
      throw invalid("the enrollment token is empty");
    }
    if (metricsToken != null && metricsToken.isBlank()) {
      throw invalid("the metrics token is empty");
    }
    if (deviceName == null || deviceName.isBlank()) {
      throw invalid("no device name: pass --name NAME");
    }
    labels.forEach(
        (key, value) -> {
          if (key.isBlank() || value == null) {
            throw invalid("label '" + key + "=" + value + "' needs a key and a value");
          }
        });
    if (trustedKeys.isEmpty()) {
      throw invalid("no trusted publisher keys: pass --trust FILE");
    }
    for (Path key : trustedKeys) {
      if (!Files.exists(key)) {
        throw invalid("trusted key " + key + " does not exist");
      }
    }
    requirePositive(pollInterval, "poll interval");
    requirePositive(forwardInterval, "forward interval");
    if (forwardBatchSize < 1 || forwardBatchSize > MAX_FORWARD_BATCH_SIZE) {
      throw invalid(
          "forward batch size " + forwardBatchSize + " is outside 1-" + MAX_FORWARD_BATCH_SIZE);
    }
    if (engineOptions == null) {
      throw invalid("no engine options");
    }
    if (forward == null) {
      throw invalid("no forwarding settings");
    }
    if (servingLimits == null) {
      throw invalid("no serving limits");
    }
    if (downloads == null) {
      throw invalid("no download limits");
    }
    if (timeZone == null) {
      throw invalid("no time zone: pass --time-zone ZONE (an IANA id such as Europe/Berlin)");
    }
    if (capture == null) {
      throw invalid("no capture settings");
    }
    if (updates == null) {
      throw invalid("no update policy");
    }
    try {
      Pipelines.requireUniqueNames(pipelines.specs());
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage(), e);
    }
    if (pipelines.sleepBetweenCycles() && pipelines.specs().isEmpty()) {
      throw invalid(
          "sleep-between-cycles is on but no pipeline is configured: the agent would never wake"
              + " to reach the hub (add a pipeline, or turn sleep-between-cycles off)");
    }
    if (maxStoreBytes != 0 && maxStoreBytes < MIN_STORE_BYTES) {
      throw invalid(
          "store budget of "
              + maxStoreBytes
              + " bytes is below the minimum of 1 MiB (0 means no budget)");
    }
    return this;
  }

  public AgentConfig withBindAddress(String value) {
    return with(f -> f.bindAddress = value);
  }

  public AgentConfig withPort(int value) {
    return with(f -> f.port = value);
  }

  public AgentConfig withEnrollmentToken(String value) {
    return with(f -> f.enrollmentToken = value);
  }

  public AgentConfig withDevice(String name, Map<String, String> deviceLabels) {
    return with(
        f -> {
          f.deviceName = name;
          f.labels = deviceLabels;
        });
  }

  public AgentConfig withTrustedKeys(List<Path> value) {
    return with(f -> f.trustedKeys = value);
  }

  public AgentConfig withPollInterval(Duration value) {
    return with(f -> f.pollInterval = value);
  }

  public AgentConfig withForwarding(Duration interval, int batchSize) {
    return with(
        f -> {
          f.forwardInterval = interval;
          f.forwardBatchSize = batchSize;
        });
  }

  /**
   * Caps the local store at {@code bytes} (0 for no cap): when it is full the agent deletes the
   * oldest predictions the hub already has, and refuses new ones only when none is left to delete.
   */
  public AgentConfig withMaxStoreBytes(long bytes) {
    return with(f -> f.maxStoreBytes = bytes);
  }

  public AgentConfig withEngineOptions(EngineOptions value) {
    return with(f -> f.engineOptions = value);
  }

  /**
   * Makes {@code GET /metrics} require {@code Authorization: Bearer <token>}; null serves it
   * without a token on loopback only.
   */
  public AgentConfig withMetricsToken(String token) {
    return with(f -> f.metricsToken = token);
  }

  /** Reads maintenance windows in {@code zone} and reports it to the hub. */
  public AgentConfig withTimeZone(ZoneId zone) {
    return with(f -> f.timeZone = zone);
  }

  /** Records predictions as {@code value} says (part: capture). */
  public AgentConfig withCapture(CaptureConfig value) {
    return with(f -> f.capture = value);
  }

  /** Forwards predictions as {@code value} says: see {@link ForwardConfig}. */
  public AgentConfig withForward(ForwardConfig value) {
    return with(f -> f.forward = value);
  }

  /** Bounds what inference requests take: see {@link ServingLimits}. */
  public AgentConfig withServingLimits(ServingLimits value) {
    return with(f -> f.servingLimits = value);
  }

  /** Bounds bundle downloads and the models they bring: see {@link DownloadLimits}. */
  public AgentConfig withDownloads(DownloadLimits value) {
    return with(f -> f.downloads = value);
  }

  /** Guards new model versions as {@code value} says: see {@link UpdatePolicy}. */
  public AgentConfig withUpdates(UpdatePolicy value) {
    return with(f -> f.updates = value);
  }

  /** Runs {@code value}'s pipelines (issue 9), keeping whether the agent sleeps between cycles. */
  public AgentConfig withPipelines(List<PipelineSpec> value) {
    return with(
        f ->
            f.pipelines =
                new PipelinesConfig(
                    value, f.pipelines.sleepBetweenCycles(), f.pipelines.linkTimeout()));
  }

  /** Runs {@code value}'s pipelines, and sleeps between their cycles if it says so. */
  public AgentConfig withPipelines(PipelinesConfig value) {
    return with(f -> f.pipelines = value);
  }

  /** Hears desired-state changes pushed over MQTT, or not: see {@link PushMode}. */
  public AgentConfig withPush(PushMode value) {
    return with(f -> f.push = value);
  }

  // part 5 (grpc)
  /**
   * Opens the KServe v2 gRPC API on {@code value} of the bind address; {@link #GRPC_OFF} for none.
   */
  public AgentConfig withGrpcPort(int value) {
    return with(f -> f.grpcPort = value);
  }

  /** A copy with what {@code change} sets; every {@code with} method goes through here. */
  private AgentConfig with(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.build();
  }

  /** The components, open to change while a copy is made. */
  private static final class Fields {
    private URI hubUrl;
    private Path dataDir;
    private String bindAddress;
    private int port;
    private String enrollmentToken;
    private String deviceName;
    private Map<String, String> labels;
    private List<Path> trustedKeys;
    private Duration pollInterval;
    private Duration forwardInterval;
    private int forwardBatchSize;
    private EngineOptions engineOptions;
    private long maxStoreBytes;
    private String metricsToken;
    private ZoneId timeZone;
    private CaptureConfig capture;
    private int grpcPort;
    private ServingLimits servingLimits;
    private ForwardConfig forward;
    private DownloadLimits downloads;
    private UpdatePolicy updates;
    private PipelinesConfig pipelines;
    private PushMode push;

    Fields(AgentConfig config) {
      hubUrl = config.hubUrl;
      dataDir = config.dataDir;
      bindAddress = config.bindAddress;
      port = config.port;
      enrollmentToken = config.enrollmentToken;
      deviceName = config.deviceName;
      labels = config.labels;
      trustedKeys = config.trustedKeys;
      pollInterval = config.pollInterval;
      forwardInterval = config.forwardInterval;
      forwardBatchSize = config.forwardBatchSize;
      engineOptions = config.engineOptions;
      maxStoreBytes = config.maxStoreBytes;
      metricsToken = config.metricsToken;
      timeZone = config.timeZone;
      capture = config.capture;
      grpcPort = config.grpcPort;
      servingLimits = config.servingLimits;
      forward = config.forward;
      downloads = config.downloads;
      updates = config.updates;
      pipelines = config.pipelines;
      push = config.push;
    }

    AgentConfig build() {
      return new AgentConfig(
          hubUrl,
          dataDir,
          bindAddress,
          port,
          enrollmentToken,
          deviceName,
          labels,
          trustedKeys,
          pollInterval,
          forwardInterval,
          forwardBatchSize,
          engineOptions,
          maxStoreBytes,
          metricsToken,
          timeZone,
          capture,
          grpcPort,
          servingLimits,
          forward,
          downloads,
          updates,
          pipelines,
          push);
    }
  }

  /** Never prints the enrollment or metrics token. */
  @Override
  public String toString() {
    return "AgentConfig[hubUrl="
        + hubUrl
        + ", dataDir="
        + dataDir
        + ", bind="
        + bindAddress
        + ":"
        + port
        + ", enrollmentToken="
        + (enrollmentToken == null ? "none" : "***")
        + ", deviceName="
        + deviceName
        + ", labels="
        + labels
        + ", trustedKeys="
        + trustedKeys
        + ", pollInterval="
        + pollInterval
        + ", forwardInterval="
        + forwardInterval
        + ", forwardBatchSize="
        + forwardBatchSize
        + ", engineOptions="
        + engineOptions
        + ", metricsToken="
        + (metricsToken == null ? "none" : "***")
        + ", timeZone="
        + timeZone
        + ", capture="
        + capture
        + ", grpcPort="
        + (grpcPort == GRPC_OFF ? "off" : grpcPort)
        + ", servingLimits="
        + servingLimits
        + ", forward="
        + forward
        + ", downloads="
        + downloads
        + ", updates="
        + updates
        + ", pipelines="
        + pipelines.specs().stream().map(PipelineSpec::name).toList()
        + (pipelines.sleepBetweenCycles()
            ? ", sleepBetweenCycles (linkTimeout=" + pipelines.linkTimeout() + ")"
            : "")
        + ", push="
        + push
        + "]";
  }

  private static void requirePositive(Duration value, String what) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw invalid(what + " must be positive, got " + value);
    }
  }

  private static InvalidConfigException invalid(String message) {
    return new InvalidConfigException(message);
  }

  private static InvalidConfigException invalid(String message, Throwable cause) {
    return new InvalidConfigException(message, cause);
  }

  /** The device name unless configured: this host's name. */
  public static String defaultDeviceName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "device";
    }
  }
}
