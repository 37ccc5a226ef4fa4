package dev.verge.agent.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Where a pipeline's readings come from. */
public sealed interface Source {
  /** How the lines of a file or a command's output are read. */
  enum Format {
    /** A header line naming the fields, then one reading a line, comma-separated. */
    CSV,
    /** One JSON object a line, field name to value. */
    JSONL;

    /** The format a file's extension says: {@code .csv} is CSV, anything else JSON lines. */
    static Format of(Path file) {
      return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")
          ? CSV
          : JSONL;
    }
  }

  /**
   * A simulated sensor for tests and demos: each field a wave with noise, read {@code readings}
   * times a cycle. Deterministic for a seed.
   *
   * @param seed the noise's seed
   * @param fields each field's wave, in order
   * @param readings readings a cycle
   */
  record Synthetic(long seed, Map<String, Wave> fields, int readings) implements Source {
    public Synthetic {
      fields = Map.copyOf(Objects.requireNonNull(fields, "fields"));
      if (fields.isEmpty()) {
        throw new IllegalArgumentException("source.synthetic.fields needs at least one field");
      }
      if (readings < 1 || readings > PipelineSpec.MAX_READINGS_PER_CYCLE) {
        throw new IllegalArgumentException(
            "source.synthetic.readings must be 1 to "
                + PipelineSpec.MAX_READINGS_PER_CYCLE
                + ", got "
                + readings);
      }
    }
  }

  /**
   * One field of a synthetic sensor: {@code mean + amplitude·sin(2πt/period) + noise·N(0,1)}, t the
   * time since the agent started; {@code spike} adds {@code spikeSize} to a share of readings.
   */
  record Wave(
      double mean,
      double amplitude,
      Duration period,
      double noise,
      double spike,
      double spikeSize) {
    public Wave {
      Objects.requireNonNull(period, "period");
      if (period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("period must be positive, got " + period);
      }
      if (noise < 0 || !Double.isFinite(noise)) {
        throw new IllegalArgumentException("noise must be 0 or more, got " + noise);
      }
      if (!(spike >= 0 && spike <= 1)) {
        throw new IllegalArgumentException("spike must be a share from 0 to 1, got " + spike);
      }
    }
  }

  /**
   * A file or a folder of files, CSV or JSON lines. A file is followed: each cycle reads the
   * complete lines added since the last, from where the agent left off across restarts. A folder's
   * files are each read once, whole, then moved to its {@code done/} subfolder.
   *
   * @param path the file or folder
   * @param format how lines are read; null for the file extension's ({@code .csv}, else JSON lines)
   */
  record Files(Path path, Format format) implements Source {
    public Files {
      Objects.requireNonNull(path, "source.file.path");
    }
  }

  /**
   * A command run each cycle; every line it prints (JSON lines, or CSV with a header) is a reading.
   *
   * @param command the program and its arguments, run without a shell
   * @param timeout after it the command is killed and the cycle fails
   * @param maxOutputBytes more output fails the cycle (the command is killed)
   * @param format how its output is read
   */
  record Command(List<String> command, Duration timeout, int maxOutputBytes, Format format)
      implements Source {
    public Command {
      command = List.copyOf(Objects.requireNonNull(command, "command"));
      if (command.isEmpty() || command.getFirst().isBlank()) {
        throw new IllegalArgumentException("source.command.run needs a program to run");
      }
      Actions.requireTimeout(timeout, "source.command.timeout");
      Actions.requireOutputLimit(maxOutputBytes, "source.command.max-output-kb");
      format = format == null ? Format.JSONL : format;
    }
  }

  /**
   * Readings an application pushes to the agent: {@code POST /verge/v1/pipelines/{name}/readings}
   * with a JSON object, an array of them, or JSON lines. Each accepted reading is kept in the
   * pipeline store until a cycle has recorded its prediction; the push wakes the pipeline.
   *
   * @param token the bearer token a push must carry; null for none, which the agent accepts only
   *     while its API is bound to loopback
   */
  record Push(String token) implements Source {
    public Push {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("source.push.token-file holds no token");
      }
    }

    @Override
    public String toString() {
      return "Push[token=" + (token == null ? "none" : "***") + "]";
    }
  }

  /**
   * An MQTT topic: each message is one reading (a JSON object), a JSON array of them, or JSON
   * lines. The agent keeps a persistent session (clean start off, {@code sessionExpiry}), so what
   * is published while it is offline or asleep arrives when it reconnects; a QoS 1 or 2 message is
   * acknowledged to the broker only once its readings are in the pipeline store, so a crash between
   * receipt and storage loses nothing (the broker sends it again). A message larger than {@code
   * maxMessageBytes} is refused with its reason and acknowledged.
   *
   * @param broker the broker and how to log in
   * @param topic the topic filter subscribed to ({@code +} and {@code #} allowed)
   * @param qos 0, 1 or 2
   * @param maxMessageBytes a larger message is refused
   * @param sessionExpiry how long the broker keeps the session while the agent is away
   */
  record Mqtt(MqttBroker broker, String topic, int qos, int maxMessageBytes, Duration sessionExpiry)
      implements Source {
    /** The largest message a source may accept. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    public Mqtt {
      Objects.requireNonNull(broker, "source.mqtt.broker");
      MqttTopics.requireFilter(topic, "source.mqtt.topic");
      if (qos < 0 || qos > 2) {
        throw new IllegalArgumentException("source.mqtt.qos must be 0, 1 or 2, got " + qos);
      }
      if (maxMessageBytes < 1 || maxMessageBytes > MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException(
            "source.mqtt.max-message-kb must be 1 to "
                + MAX_MESSAGE_BYTES / 1024
                + ", got "
                + maxMessageBytes / 1024.0);
      }
      Objects.requireNonNull(sessionExpiry, "source.mqtt.session-expiry");
      if (sessionExpiry.isNegative()
          || sessionExpiry.isZero()
          || sessionExpiry.toSeconds() > 0xFFFF_FFFEL) {
        throw new IllegalArgumentException(
            "source.mqtt.session-expiry must be 1s to 136 years, got " + sessionExpiry);
      }
    }
  }
}
