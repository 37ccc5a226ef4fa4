package dev.verge.cli;

import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verge hub}: runs a hub until stopped. */
@Command(
    name = "hub",
    mixinStandardHelpOptions = true,
    description = "Run the hub: model registry, devices, deployments, telemetry.")
final class HubCommand implements Runnable {
  @Option(
      names = "--data",
      description = "Data folder: SQLite store, bundles, admin token (default ~/.verge/hub).")
  Path data;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "" + HubConfig.DEFAULT_PORT,
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--trust",
      paramLabel = "KEY",
      description = "Publisher public key (.pub) whose bundles the hub accepts; repeatable.")
  List<Path> trust = new ArrayList<>();

  @Option(
      names = "--metrics-open",
      description =
          "Serve /metrics without the admin token; only with a loopback --bind (default: the"
              + " token is needed).")
  boolean metricsOpen;

  static Path defaultDataDir() {
    return Path.of(System.getProperty("user.home"), ".verge", "hub");
  }

  @Override
  public void run() {
    Path dataDir = data == null ? defaultDataDir() : data;
    HubConfig defaults = HubConfig.defaults(dataDir);
    HubConfig config =
        new HubConfig(dataDir, bind, port, defaults.maxBundleBytes(), List.copyOf(trust))
            .withMetricsOpen(metricsOpen);
    CountDownLatch stopped = new CountDownLatch(1);
    try (Hub hub = Hub.start(config)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    hub.close();
                    stopped.countDown();
                  }));
      System.out.println("Verge hub listening on " + hub.url());
      System.out.println("Data folder: " + dataDir.toAbsolutePath());
      System.out.println(
          "Admin token: in " + dataDir.toAbsolutePath().resolve("admin.token") + " (owner-only)");
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
