package dev.verge.cli;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.cli.config.AgentSettings;
import dev.verge.cli.config.ConfigException;
import dev.verge.cli.config.ConfigFile;
import dev.verge.cli.config.Flags;
import dev.verge.cli.config.LogSettings;
import dev.verge.cli.config.PipelineSettings;
import dev.verge.cli.config.Settings;
import dev.verge.cli.logging.Logging;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.ProviderChoice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code verge agent}: runs the device agent until stopped. Every setting can also come from {@code
 * VERGE_AGENT_*} variables and a {@code --config} file ({@link AgentSettings} has them and their
 * defaults); the option fields below only declare the flags, whose values are read with their
 * origin through {@link Flags}.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    defaultValueProvider = AgentCommand.HelpDefaults.class,
    description = {
      "Run the device agent: sync models from the hub and serve them locally.",
      "Settings come from flags, then VERGE_AGENT_* variables, then the --config file, then the"
          + " defaults."
    })
final class AgentCommand implements Runnable {
  private static final System.Logger LOG = System.getLogger(AgentCommand.class.getName());

  /** The file, in the data folder, where a started agent writes its inference URL. */
  static final String ENDPOINT_FILE = "agent.endpoint";

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Agent configuration file (YAML, an 'agent:' section).")
  Path config;

  @Option(names = "--hub", paramLabel = "URL", description = "Hub URL.")
  String hub;

  @Option(names = "--data", paramLabel = "DIR", description = "This device's data folder.")
  String data;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description = "Address of the local inference API (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Port of the local inference API (default ${DEFAULT-VALUE}; 0 picks one).")
  String port;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      description =
          "Port of the KServe v2 gRPC API on the --bind address, or off (default ${DEFAULT-VALUE};"
              + " 0 picks one; Triton's clients expect 8001).")
  String grpcPort;

  @Option(
      names = "--enroll-token-file",
      paramLabel = "FILE",
      description = "File with a one-time enrollment token (needed on first start only).")
  String enrollTokenFile;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Device name shown on the hub (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description =
          "Device label key=value; repeatable. Reported on every start: the hub's labels follow.")
  List<String> labels;

  @Option(
      names = "--trust",
      paramLabel = "KEY",
      description = "Trusted publisher key (.pub) or folder of them; repeatable.")
  List<String> trust;

  @Option(
      names = "--poll-interval",
      paramLabel = "DURATION",
      description = "How often to ask the hub for the desired state (default ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(
      names = "--push",
      paramLabel = "auto|off",
      description =
          "auto: ask the hub for push access at start and hear desired-state changes over its"
              + " MQTT broker, long-polling when it pushes nothing or the broker is down; off:"
              + " always long-poll (default ${DEFAULT-VALUE}).")
  String push;

  @Option(
      names = "--forward-interval",
      paramLabel = "DURATION",
      description = "How often to forward recorded predictions (default ${DEFAULT-VALUE}).")
  String forwardInterval;

  @Option(
      names = "--forward-mode",
      paramLabel = "MODE",
      description =
          "all: every prediction goes to the hub; metered: predictions stay on the device (the"
              + " newest kept when the store is full), the hub gets reports and events (default"
              + " ${DEFAULT-VALUE}).")
  String forwardMode;

  @Option(
      names = "--sleep-between-cycles",
      paramLabel = "BOOL",
      description =
          "Far edge: no loop runs on its own timer; after each pipeline cycle one link pass"
              + " syncs and forwards, then the agent waits for the next cycle (default false).")
  String sleepBetweenCycles;

  @Option(
      names = "--link-timeout",
      paramLabel = "DURATION",
      description = "The most one link pass may take with --sleep-between-cycles (default 30s).")
  String linkTimeout;

  @Option(
      names = "--forward-compress",
      paramLabel = "BOOL",
      description = "Send prediction batches gzip-compressed (default ${DEFAULT-VALUE}).")
  String forwardCompress;

  @Option(
      names = "--max-upload-rate",
      paramLabel = "BYTES",
      description =
          "Most bytes a second prediction uploads take, e.g. 64KiB or 1MB; 0: no cap (default"
              + " ${DEFAULT-VALUE}).")
  String maxUploadRate;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "ONNX Runtime threads per model run; 0 lets it choose (default ${DEFAULT-VALUE}).")
  String threads;

  @Option(
      names = "--execution-provider",
      paramLabel = "auto|cpu|cuda",
      description =
          "Where models run: cpu, cuda (GPU 0; the agent refuses to start without it) or auto,"
              + " CUDA when the GPU build of ONNX Runtime and a GPU are present (default"
              + " ${DEFAULT-VALUE}).")
  String executionProvider;

  @Option(
      names = "--max-store-mb",
      paramLabel = "MIB",
      description =
          "Budget of the local prediction store; when full the oldest predictions the hub already"
              + " has make room, and new ones are refused only if none has reached the hub"
              + " (default ${DEFAULT-VALUE}; 0: no budget).")
  String maxStoreMb;

  @Option(
      names = "--metrics-token-file",
      paramLabel = "FILE",
      description =
          "File with a token that GET /metrics then requires as 'Authorization: Bearer'; needed"
              + " to serve metrics on a non-loopback --bind (default: none, metrics open on"
              + " loopback).")
  String metricsTokenFile;

  @Option(
      names = "--time-zone",
      paramLabel = "ZONE",
      description =
          "The device's time zone, in which deployments' maintenance windows are read and which"
              + " the hub is told, e.g. Europe/Berlin (default: ${DEFAULT-VALUE}).")
  String timeZone;

  // Prediction capture (part: capture).

  @Option(
      names = "--capture-mode",
      paramLabel = "MODE",
      description =
          "buffered: answer at once, the prediction is synced to disk within --capture-window or"
              + " --capture-batch records (a power cut loses at most those, never more than the"
              + " queue; 'async' means the same); sync: answer once it is synced to disk (default"
              + " ${DEFAULT-VALUE}).")
  String captureMode;

  @Option(
      names = "--capture-window",
      paramLabel = "DURATION",
      description =
          "How long a buffered commit gathers records before it is synced, e.g. 10ms; at most"
              + " 1000ms (default ${DEFAULT-VALUE}).")
  String captureWindow;

  @Option(
      names = "--capture-batch",
      paramLabel = "N",
      description =
          "Most records per commit; a buffered commit starts once that many are gathered"
              + " (default ${DEFAULT-VALUE}).")
  String captureBatch;

  @Option(
      names = "--capture-queue",
      paramLabel = "N",
      description = "Most predictions waiting to be recorded (default ${DEFAULT-VALUE}).")
  String captureQueue;

  @Option(
      names = "--capture-when-full",
      paramLabel = "WHAT",
      description =
          "When the queue is full: wait for room, or drop (answer, count it dropped) (default"
              + " ${DEFAULT-VALUE}).")
  String captureWhenFull;

  @Option(
      names = "--capture-inputs",
      paramLabel = "BOOL",
      description = "Record each request's inputs beside its outputs (default ${DEFAULT-VALUE}).")
  String captureInputs;

  @Option(
      names = "--capture-sample",
      paramLabel = "SHARE",
      description = "Share of requests recorded, 0.25 or 25%% (default ${DEFAULT-VALUE}).")
  String captureSample;

  @Option(
      names = "--capture-max-record-kb",
      paramLabel = "KIB",
      description =
          "Most JSON one record keeps; past it inputs', then outputs' data is left out, shapes"
              + " stay (default ${DEFAULT-VALUE}).")
  String captureMaxRecordKb;

  @Option(
      names = "--capture-max-rate",
      paramLabel = "N",
      description =
          "Most records a second per model; past it requests are counted, not recorded; 0: no"
              + " limit (default ${DEFAULT-VALUE}).")
  String captureMaxRate;

  @Option(
      names = "--capture-model",
      paramLabel = "MODEL=TERMS",
      description =
          "Per-model capture policy, e.g. pump='inputs=true sample=10%% max-rate=100';"
              + " repeatable; terms left out keep the defaults above.")
  List<String> captureModels;

  @Option(
      names = "--max-request-mb",
      paramLabel = "MIB",
      description =
          "Tensor memory one inference request may take (each input's and output's shape x"
              + " element size, checked before allocating); more is refused with 413"
              + " (default: ${DEFAULT-VALUE}).")
  String maxRequestMb;

  @Option(
      names = "--max-concurrent-requests",
      paramLabel = "N",
      description =
          "Inference calls served at once; one more is refused with 503 and Retry-After, not"
              + " queued (default ${DEFAULT-VALUE}).")
  String maxConcurrentRequests;

  // Safe model updates on the device (issue 9).

  @Option(
      names = "--update-max-runs",
      paramLabel = "N",
      description =
          "Runs in a row (its activation, then each start) a new model version on trial may take"
              + " without answering a request (a crash loop); after that the previous version"
              + " serves, or it stays, committed, when there is none. A run that answered is no"
              + " crash (default ${DEFAULT-VALUE}).")
  String updateMaxRuns;

  @Option(
      names = "--health-check-requests",
      paramLabel = "N",
      description =
          "A new version's health check covers its first N requests (default ${DEFAULT-VALUE}).")
  String healthCheckRequests;

  @Option(
      names = "--health-check-window",
      paramLabel = "DURATION",
      description =
          "...or its first DURATION, whichever ends first; 0 commits at activation (default"
              + " ${DEFAULT-VALUE}).")
  String healthCheckWindow;

  @Option(
      names = "--health-max-error-rate",
      paramLabel = "RATE",
      description =
          "Most share of failed requests (inside the model) in the check before the agent goes"
              + " back to the previous version, 0.05 or 5%% (default ${DEFAULT-VALUE}).")
  String healthMaxErrorRate;

  @Option(
      names = "--health-max-p95-latency",
      paramLabel = "DURATION",
      description =
          "Most 95th-percentile latency in the check before the agent goes back, 0 for no limit"
              + " (default ${DEFAULT-VALUE}).")
  String healthMaxP95Latency;

  @Option(
      names = "--keep-bundles",
      paramLabel = "N",
      description =
          "Bundles kept per model, the active one included; older ones are deleted (default"
              + " ${DEFAULT-VALUE}).")
  String keepBundles;

  @Option(
      names = "--download-idle-timeout",
      paramLabel = "DURATION",
      description =
          "A bundle download that receives no byte for this long is given up and resumed, its"
              + " part kept (default ${DEFAULT-VALUE}).")
  String downloadIdleTimeout;

  @Option(
      names = "--max-download-rate",
      paramLabel = "RATE",
      description =
          "Cap on what bundle downloads read from the link, in bytes a second: 256KiB, 2MB; 0:"
              + " none (default ${DEFAULT-VALUE}).")
  String maxDownloadRate;

  @Option(
      names = "--max-model-mb",
      paramLabel = "MIB",
      description =
          "Largest model loaded; a larger one is refused with its reason (the hub shows it"
              + " failed), as its bytes are held in direct memory while it loads (default:"
              + " ${DEFAULT-VALUE}).")
  String maxModelMb;

  @Option(
      names = "--parent-pid",
      hidden = true,
      description = "Exit when this process exits (used by the demo).")
  Long parentPid;

  /** The effective settings: flags, then environment, then the file, then the defaults. */
  Settings settings() {
    return settings(config == null ? null : ConfigFile.read(config));
  }

  private Settings settings(ConfigFile file) {
    return Settings.resolve("agent", AgentSettings.ALL, file, System.getenv(), Flags.given(spec));
  }

  @Override
  public void run() {
    ConfigFile file = config == null ? null : ConfigFile.read(config);
    // Pipelines come from the file only: a nested structure has no flag or variable form.
    // Every problem at once, the settings' and the pipelines'.
    java.util.List<String> problems = new java.util.ArrayList<>();
    Settings settings = null;
    try {
      settings = settings(file);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    java.util.List<dev.verge.agent.pipeline.PipelineSpec> pipelines = java.util.List.of();
    try {
      pipelines = PipelineSettings.read(file);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    Logging.configure(settings.get(LogSettings.FORMAT), settings.get(LogSettings.LEVEL));
    AgentConfig agentConfig = AgentSettings.toConfig(settings).withPipelines(pipelines);
    CountDownLatch stopped = new CountDownLatch(1);
    try (OnnxEngine engine = startEngine(agentConfig);
        Agent agent = Agent.start(agentConfig, engine)) {
      ProviderChoice provider = engine.executionProvider();
      LOG.log(
          System.Logger.Level.INFO,
          "models run on {0}: {1}",
          provider.provider().name(),
          provider.reason());
      Runnable stop =
          () -> {
            agent.close();
            stopped.countDown();
          };
      Runtime.getRuntime().addShutdownHook(new Thread(stop));
      if (parentPid != null) {
        ProcessHandle.of(parentPid)
            .ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
      }
      // Agent.start logged "agent ... serving on URL" (the port it got, also with --port 0).
      writeEndpoint(agentConfig.dataDir(), agent.inferenceUrl());
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** ONNX Runtime on the configured execution provider. */
  private static OnnxEngine startEngine(AgentConfig config) {
    OnnxEngine engine;
    try {
      engine = new OnnxEngine(config.engineOptions());
    } catch (EngineException e) {
      throw new CommandFailedException(e.getMessage());
    }
    return engine;
  }

  private static void writeEndpoint(Path data, URI url) {
    try {
      Path temp = Files.createTempFile(data, ".endpoint", ".tmp");
      Files.writeString(temp, url.toString());
      Files.move(temp, data.resolve(ENDPOINT_FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + data.resolve(ENDPOINT_FILE), e);
    }
  }

  /** {@code --help} shows the defaults {@link AgentSettings} holds. */
  static final class HelpDefaults extends Flags.HelpDefaults {
    HelpDefaults() {
      super(AgentSettings.ALL);
    }
  }
}
