package dev.verge.agent.pipeline;

import dev.verge.agent.internal.Backoff;
import dev.verge.agent.serving.LocalModels;
import dev.verge.http.Route;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's pipelines: one thread each (a failing one never stops the others), their store of
 * events and source positions ({@code pipelines.db} in the data folder), and the forwarder that
 * takes the events to the hub.
 */
public final class Pipelines implements AutoCloseable {
  /** The first wait before a webhook's retry, doubled up to {@link #WEBHOOK_MAX_BACKOFF}. */
  static final Duration WEBHOOK_BACKOFF = Duration.ofSeconds(1);

  static final Duration WEBHOOK_MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The first wait before an MQTT reconnect or republish, doubled up to {@link #MQTT_MAX_BACKOFF}.
   */
  static final Duration MQTT_BACKOFF = Duration.ofSeconds(1);

  static final Duration MQTT_MAX_BACKOFF = Duration.ofMinutes(1);

  /** Waits until every prediction answered so far is in the local store; false on time-out. */
  @FunctionalInterface
  public interface Durable {
    boolean await(Duration limit);
  }

  /** Sends one batch of events to the hub; throws a {@code HubException} when it cannot. */
  @FunctionalInterface
  public interface Sender {
    void send(dev.verge.core.api.EventBatch batch);
  }

  /**
   * What a pipeline needs from the agent that runs it.
   *
   * @param deviceId the device's id, for the default MQTT client ids
   * @param cycled told after every cycle, once its results are in the store (whether it succeeded
   *     or not); it must not block: an agent asleep between cycles asks for its link pass there
   * @param forwardOnTimer whether the event forwarder runs on its own timer; false when the agent
   *     sleeps between cycles and its link pass calls {@link #flushEvents} instead
   */
  public record Wiring(
      LocalModels models,
      Durable durable,
      Sender hub,
      Duration forwardInterval,
      Clock clock,
      ZoneId zone,
      PipelineMetrics metrics,
      boolean loopback,
      String deviceId,
      Runnable cycled,
      boolean forwardOnTimer) {
    public Wiring {
      cycled = cycled == null ? () -> {} : cycled;
    }
  }

  private final List<Pipeline> pipelines;
  private final PipelineStore store;
  private final EventForwarder forwarder;
  private final Route.Handler push;
  private final Deque<AutoCloseable> resources;

  private Pipelines(
      List<Pipeline> pipelines,
      PipelineStore store,
      EventForwarder forwarder,
      Route.Handler push,
      Deque<AutoCloseable> resources) {
    this.pipelines = pipelines;
    this.store = store;
    this.forwarder = forwarder;
    this.push = push;
    this.resources = resources;
  }

  /**
   * Checks that the names are unique, opens the store in {@code dataDir} (when there are pipelines,
   * or events of earlier ones still wait) and starts every pipeline and the event forwarder.
   *
   * @throws IllegalArgumentException when two pipelines share a name
   * @throws PipelineException when the store cannot be opened
   */
  public static Pipelines start(List<PipelineSpec> specs, Path dataDir, Wiring wiring) {
    requireUniqueNames(specs);
    Path file = dataDir.resolve(PipelineStore.FILE);
    if (specs.isEmpty() && !Files.exists(file)) {
      return new Pipelines(List.of(), null, null, null, new ArrayDeque<>());
    }
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      PipelineStore store = PipelineStore.open(file);
      resources.push(store);
      // Only for webhooks: an HTTP client's selector thread wakes every 3 s even when unused.
      HttpClient http = null;
      if (specs.stream().anyMatch(Pipelines::callsWebhooks)) {
        HttpClient client =
            HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        resources.push(client::shutdownNow);
        http = client;
      }
      Backoff backoff = new Backoff(WEBHOOK_BACKOFF, WEBHOOK_MAX_BACKOFF);
      List<Pipeline> pipelines = new ArrayList<>();
      Map<String, Pipeline> byName = new HashMap<>();
      Map<String, Source.Push> pushed = new HashMap<>();
      Backoff mqttBackoff = new Backoff(MQTT_BACKOFF, MQTT_MAX_BACKOFF);
      List<MqttSource> subscribers = new ArrayList<>();
      List<MqttPublisher> publishers = new ArrayList<>();
      for (PipelineSpec spec : specs) {
        SourceReader reader =
            spec.source() instanceof Source.Mqtt m
                ? new MqttSource(spec.name(), wiring.deviceId(), m, store, mqttBackoff)
                : reader(spec, store, wiring.clock());
        Map<Action.PublishMqtt, MqttPublisher> outlets = new java.util.LinkedHashMap<>();
        for (Rule rule : spec.rules()) {
          for (Action action : rule.actions()) {
            if (action instanceof Action.PublishMqtt a && !outlets.containsKey(a)) {
              outlets.put(
                  a,
                  new MqttPublisher(
                      spec.name(), wiring.deviceId(), a, store, mqttBackoff, wiring.metrics()));
            }
          }
        }
        publishers.addAll(outlets.values());
        Pipeline pipeline =
            new Pipeline(
                spec,
                reader,
                wiring.models().model(spec.model()),
                new Actions(spec.name(), store, http, backoff, wiring.metrics(), outlets),
                wiring.durable(),
                wiring.clock(),
                wiring.zone(),
                wiring.metrics(),
                wiring.cycled());
        resources.push(pipeline);
        pipelines.add(pipeline);
        byName.put(spec.name(), pipeline);
        if (spec.source() instanceof Source.Push p) {
          pushed.put(spec.name(), p);
        }
        if (reader instanceof MqttSource subscriber) {
          subscriber.onKept(pipeline::wake);
          subscribers.add(subscriber);
        }
      }
      EventForwarder forwarder = new EventForwarder(store, wiring.hub(), wiring.forwardInterval());
      resources.push(forwarder);
      pipelines.forEach(Pipeline::start);
      if (wiring.forwardOnTimer()) {
        forwarder.start();
      }
      // Both connect in the background: a broker that is down holds up neither the agent's start
      // nor the other pipelines.
      subscribers.forEach(MqttSource::start);
      publishers.forEach(MqttPublisher::start);
      Route.Handler push =
          pushed.isEmpty() ? null : new PushEndpoint(byName, pushed, store, wiring.loopback());
      return new Pipelines(List.copyOf(pipelines), store, forwarder, push, resources);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  private static boolean callsWebhooks(PipelineSpec spec) {
    return spec.rules().stream()
        .flatMap(rule -> rule.actions().stream())
        .anyMatch(action -> action instanceof Action.Webhook);
  }

  /**
   * @throws IllegalArgumentException when two pipelines share a name
   */
  public static void requireUniqueNames(List<PipelineSpec> specs) {
    Set<String> names = new HashSet<>();
    for (PipelineSpec spec : specs) {
      if (!names.add(spec.name())) {
        throw new IllegalArgumentException("two pipelines are named '" + spec.name() + "'");
      }
    }
  }

  static SourceReader reader(PipelineSpec spec, PipelineStore store, Clock clock) {
    return switch (spec.source()) {
      case Source.Synthetic s -> new SyntheticSensor(s, clock);
      case Source.Files f -> new FileSource(spec.name(), f, store);
      case Source.Command c -> new CommandSource(c);
      case Source.Push p -> new PushSource(spec.name(), store);
      case Source.Mqtt m -> throw new IllegalArgumentException("an MQTT source is made in start");
    };
  }

  /**
   * The handler of {@code POST /verge/v1/pipelines/{name}/readings} for the pipelines whose source
   * is push; null when none is.
   */
  public Route.Handler pushHandler() {
    return push;
  }

  /** Every pipeline's status, in configuration order. */
  public List<PipelineStatus> status() {
    return pipelines.stream().map(Pipeline::status).toList();
  }

  /** Events waiting for the hub. */
  public long pendingEvents() {
    return store == null ? 0 : store.pendingEvents();
  }

  /**
   * Sends every waiting event now.
   *
   * @return how many the hub acknowledged
   * @throws dev.verge.agent.sync.HubException when the hub fails a batch
   */
  public int flushEvents() {
    return forwarder == null ? 0 : forwarder.flush();
  }

  @Override
  public void close() {
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        System.getLogger(Pipelines.class.getName())
            .log(System.Logger.Level.WARNING, "cannot close " + resource + ": " + e, e);
      }
    }
  }
}
