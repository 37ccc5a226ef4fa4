package dev.verge.agent.pipeline;

import dev.verge.agent.internal.Backoff;
import dev.verge.core.json.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a pipeline's actions. Events are written to the {@link PipelineStore} on the pipeline's
 * thread (a quick local commit; the forwarder takes them to the hub). Webhooks and commands, which
 * may wait for seconds, go through a bounded queue to one worker thread per pipeline, so a slow
 * receiver never holds the readings back; a firing that finds the queue full is dropped, logged and
 * counted. MQTT firings are kept in the store and published by their {@link MqttPublisher}.
 */
final class Actions implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Actions.class.getName());

  /** Webhooks and commands waiting per pipeline. */
  static final int QUEUE = 256;

  /** The longest time-out an action or source command may have. */
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  /** The most output kept from a command. */
  static final int MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

  private record Job(Action action, Firing firing) {}

  private final String pipeline;
  private final PipelineStore store;
  private final HttpClient http;
  private final Backoff backoff;
  private final PipelineMetrics metrics;
  private final java.util.Map<Action.PublishMqtt, MqttPublisher> publishers;
  private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Thread worker;

  Actions(
      String pipeline,
      PipelineStore store,
      HttpClient http,
      Backoff backoff,
      PipelineMetrics metrics) {
    this(pipeline, store, http, backoff, metrics, java.util.Map.of());
  }

  /**
   * @param publishers the MQTT publisher of each of the pipeline's MQTT actions (it owns them)
   */
  Actions(
      String pipeline,
      PipelineStore store,
      HttpClient http,
      Backoff backoff,
      PipelineMetrics metrics,
      java.util.Map<Action.PublishMqtt, MqttPublisher> publishers) {
    this.pipeline = pipeline;
    this.publishers = java.util.Map.copyOf(publishers);
    this.store = store;
    this.http = http;
    this.backoff = backoff;
    this.metrics = metrics;
    this.worker =
        Thread.ofVirtual().name("verge-pipeline-" + pipeline + "-actions").start(this::work);
  }

  static void requireTimeout(Duration timeout, String key) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, got " + timeout);
    }
    if (timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(key + " must be at most 10m, got " + timeout);
    }
  }

  static void requireOutputLimit(int bytes, String key) {
    if (bytes < 1 || bytes > MAX_OUTPUT_BYTES) {
      throw new IllegalArgumentException(
          key + " must be 1 to " + MAX_OUTPUT_BYTES / 1024 + " KiB, got " + bytes + " bytes");
    }
  }

  /** Fires {@code action}: an event or an MQTT firing kept now, anything else queued. */
  void fire(Action action, Firing firing) {
    if (action instanceof Action.PublishMqtt mqtt) {
      MqttPublisher publisher = publishers.get(mqtt);
      if (publisher == null) {
        throw new IllegalStateException("no MQTT publisher for " + mqtt.topic());
      }
      if (!publisher.offer(Json.write(firing.json()))) {
        metrics.action(pipeline, "mqtt", "dropped");
        LOG.log(
            System.Logger.Level.ERROR,
            "pipeline {0}: {1} firings already wait for MQTT broker {2}; one more of rule {3} is"
                + " not kept",
            pipeline,
            PipelineStore.MAX_PENDING_FIRINGS,
            mqtt.broker().url(),
            firing.rule());
      }
      // Counted ok once the broker acknowledged it.
      return;
    }
    if (action instanceof Action.RaiseEvent event) {
      boolean kept =
          store.addEvent(
              firing.time(),
              pipeline,
              firing.rule(),
              event.severity(),
              event.message(),
              firing.model(),
              firing.version(),
              firing.details());
      if (kept) {
        metrics.action(pipeline, "event", "ok");
      } else {
        metrics.action(pipeline, "event", "dropped");
        LOG.log(
            System.Logger.Level.ERROR,
            "pipeline {0}: {1} events already wait for the hub; rule {2} raised one more, not kept",
            pipeline,
            PipelineStore.MAX_PENDING_EVENTS,
            firing.rule());
      }
      return;
    }
    if (!queue.offer(new Job(action, firing))) {
      metrics.action(pipeline, kind(action), "dropped");
      LOG.log(
          System.Logger.Level.WARNING,
          "pipeline {0}: {1} actions already wait; a {2} of rule {3} is dropped",
          pipeline,
          QUEUE,
          kind(action),
          firing.rule());
    }
  }

  static String kind(Action action) {
    return switch (action) {
      case Action.RaiseEvent e -> "event";
      case Action.Webhook w -> "webhook";
      case Action.RunCommand c -> "command";
      case Action.PublishMqtt m -> "mqtt";
    };
  }

  /** Actions queued and not finished yet. */
  int queued() {
    return queue.size();
  }

  private void work() {
    while (true) {
      Job job;
      try {
        job = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        boolean ok =
            switch (job.action()) {
              case Action.Webhook w -> post(w, job.firing());
              case Action.RunCommand c -> run(c, job.firing());
              case Action.RaiseEvent e -> throw new IllegalStateException("events are not queued");
              case Action.PublishMqtt m ->
                  throw new IllegalStateException("MQTT firings are not queued");
            };
        metrics.action(pipeline, kind(job.action()), ok ? "ok" : "failed");
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: one action must not end this pipeline's actions for good.
        metrics.action(pipeline, kind(job.action()), "failed");
        LOG.log(System.Logger.Level.ERROR, "pipeline " + pipeline + ": action failed: " + e, e);
      }
    }
  }

  /** Posts the firing; retried with back-off while the receiver fails. */
  boolean post(Action.Webhook webhook, Firing firing) throws InterruptedException {
    byte[] body = Json.write(firing.json());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(webhook.url())
            .timeout(webhook.timeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    webhook.headers().forEach(request::header);
    Backoff.Tries tries = backoff.tries();
    String last = null;
    for (int attempt = 0; attempt <= webhook.retries(); attempt++) {
      if (attempt > 0) {
        Thread.sleep(tries.failed());
      }
      // Only the status matters: the body is read away, never held. The time-out bounds the
      // whole exchange (the request's own covers only the wait for the headers).
      java.util.concurrent.CompletableFuture<HttpResponse<Void>> answer =
          http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
      try {
        int status = answer.get(webhook.timeout().toMillis(), TimeUnit.MILLISECONDS).statusCode();
        if (status >= 200 && status < 300) {
          return true;
        }
        last = "answered " + status;
      } catch (java.util.concurrent.TimeoutException e) {
        answer.cancel(true);
        last = "no complete answer within " + webhook.timeout().toMillis() + " ms";
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        last = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      }
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "pipeline {0}: webhook {1} for rule {2} failed after {3} tries: {4}",
        pipeline,
        webhook.url(),
        firing.rule(),
        webhook.retries() + 1,
        last);
    return false;
  }

  /** Runs the command with the firing as JSON on its input. */
  boolean run(Action.RunCommand command, Firing firing) throws InterruptedException {
    Processes.Outcome outcome =
        Processes.run(
            command.command(),
            Json.write(firing.json()),
            command.timeout(),
            command.maxOutputBytes());
    if (outcome instanceof Processes.Outcome.Exited e && e.status() == 0) {
      if (e.output().length > 0) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "pipeline {0}: command {1}: {2}",
            pipeline,
            command.command().getFirst(),
            new String(e.output(), StandardCharsets.UTF_8).strip());
      }
      return true;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "pipeline {0}: command {1} for rule {2} {3}",
        pipeline,
        command.command().getFirst(),
        firing.rule(),
        outcome);
    return false;
  }

  @Override
  public void close() {
    dev.verge.agent.internal.BackgroundThreads.stop(worker, "pipeline " + pipeline + " actions");
    publishers.values().forEach(MqttPublisher::close);
  }
}
