package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UpgradeUnderLoadTest extends AgentHarness {
  private static final int CLIENTS = 6;

  @Test
  void upgrades_while_clients_hammer_infer_without_a_single_failure() throws Exception {
    TrackingEngine engine = new TrackingEngine(Engines.ONNX);
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config(), engine);
    agent.syncNow();
    Http http = http(agent);

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    Set<String> versions = ConcurrentHashMap.newKeySet();
    AtomicInteger sinceV3 = new AtomicInteger();
    try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
      Future<?>[] running = new Future<?>[CLIENTS];
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running[c] =
            clients.submit(
                () -> {
                  int i = 0;
                  while (!stop.get()) {
                    Http.Response response =
                        http.post(
                            "/v2/models/pump/infer",
                            Http.logisticRequest("c" + client + "-" + i++, 1, 1));
                    if (response.status() == 200) {
                      String version = response.json().path("model_version").asText();
                      versions.add(version);
                      if (version.equals("3")) {
                        sinceV3.incrementAndGet();
                      }
                      ok.incrementAndGet();
                    } else {
                      failures.merge(response.status() + " " + response.body(), 1, Integer::sum);
                    }
                  }
                });
      }
      Eventually.await("requests on v1", () -> ok.get() >= 50);

      hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
      agent.syncNow();
      Eventually.await("requests on v2", () -> versions.contains("2"));
      hub.desire(hub.model("pump", 3, bundles.logistic("pump", 3)));
      agent.syncNow();
      Eventually.await("requests on v3", () -> sinceV3.get() >= 100);

      stop.set(true);
      for (Future<?> future : running) {
        future.get();
      }
    }

    assertThat(failures).isEmpty();
    assertThat(versions).contains("1", "2", "3");
    assertThat(engine.misuse).hasValue(0);
    Eventually.await("v1 and v2 closed", () -> engine.model("pump", 1).closed);
    Eventually.await("v2 closed", () -> engine.model("pump", 2).closed);
    assertThat(engine.model("pump", 3).closed).isFalse();
    assertThat(agent.status().predictionsServed()).isEqualTo(ok.get());
  }
}
