package dev.verge.it;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.AgentStatus;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** A real hub and real in-process agents on loopback ports, for end-to-end tests. */
final class Fleet implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  final Path root;
  final Hub hub;
  final HubAdminClient admin;
  final OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
  private final List<Agent> agents = new ArrayList<>();

  Fleet(Path root) {
    this(root, UnaryOperator.identity());
  }

  /** A fleet whose hub runs with {@code hubConfig} applied to the defaults. */
  Fleet(Path root, UnaryOperator<HubConfig> hubConfig) {
    this.root = root;
    this.hub = Hub.start(hubConfig.apply(HubConfig.defaults(root.resolve("hub")).withPort(0)));
    this.admin = new HubAdminClient(hub.url(), hub.adminToken());
  }

  /** A publisher: its key pair on disk, registered with the hub. */
  record Publisher(Path publicKey, PrivateKey privateKey) {}

  Publisher publisher(String name, boolean registerWithHub) {
    Keys.KeyFiles files = Keys.writePair(Keys.generate(), root.resolve("keys"), name);
    if (registerWithHub) {
      admin.trustPublisherKey(name, Keys.readPublic(files.publicKey()).pem());
    }
    return new Publisher(files.publicKey(), Keys.readPrivate(files.privateKey()));
  }

  /** Bundles and signs an ONNX model, reading its signature with ONNX Runtime. */
  Path bundle(String name, long version, byte[] onnx, Publisher signer) throws IOException {
    return bundle(name, version, onnx, engine.inspect(onnx), signer);
  }

  /**
   * Bundles and signs {@code onnx} under the given signature, which ONNX Runtime is not asked for:
   * the way to ship a model it cannot load.
   */
  Path bundle(
      String name, long version, byte[] onnx, OnnxEngine.Signature signature, Publisher signer)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve("bundles"));
    Path model = dir.resolve(name + "-" + version + ".onnx");
    Files.write(model, onnx);
    Path bundle = dir.resolve(name + "-" + version + ".vbundle");
    BundleWriter.create(
        new BundleWriter.Spec(
            name, version, model, signature.inputs(), signature.outputs(), Map.of(), null),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, signer.privateKey());
    return bundle;
  }

  ModelVersionView publish(String name, long version, byte[] onnx, Publisher signer)
      throws IOException {
    return admin.publish(bundle(name, version, onnx, signer), bytes -> {});
  }

  Agent agent(String name, Map<String, String> labels, Path... trusted) {
    return start(agentConfig(name, labels, trusted));
  }

  /** How the agent {@code name} runs, with a fresh enrollment token and quick loops. */
  AgentConfig agentConfig(String name, Map<String, String> labels, Path... trusted) {
    String token = admin.createEnrollmentToken(600L, name).token();
    return AgentConfig.defaults(hub.url(), root.resolve("agents").resolve(name))
        .withPort(0)
        .withEnrollmentToken(token)
        .withDevice(name, labels)
        .withTrustedKeys(List.of(trusted))
        .withPollInterval(Duration.ofMillis(200))
        .withForwarding(Duration.ofMillis(200), 500);
  }

  /** Starts an agent that {@link #close} stops, if the test has not. */
  Agent start(AgentConfig config) {
    Agent agent = Agent.start(config, engine);
    agents.add(agent);
    return agent;
  }

  DeploymentView deploy(String model, long version, Map<String, String> selector) {
    return admin.deploy(new DeploymentRequest(model, version, selector, false));
  }

  static Long activeVersion(AgentStatus status, String model) {
    return status.models().stream()
        .filter(m -> m.name().equals(model))
        .map(ModelReport::activeVersion)
        .findFirst()
        .orElse(null);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    agents.forEach(Agent::close);
    hub.close();
    engine.close();
  }
}
