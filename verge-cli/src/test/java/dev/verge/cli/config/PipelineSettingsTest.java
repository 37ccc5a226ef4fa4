package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.pipeline.Action;
import dev.verge.agent.pipeline.InputMapping;
import dev.verge.agent.pipeline.MqttBroker;
import dev.verge.agent.pipeline.PipelineSpec;
import dev.verge.agent.pipeline.Rule;
import dev.verge.agent.pipeline.Schedule;
import dev.verge.agent.pipeline.Source;
import dev.verge.core.oip.DataType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent configuration's pipelines: section, and its errors naming pipeline, key and line. */
class PipelineSettingsTest {
  @TempDir Path dir;

  private ConfigFile file(String yaml) throws IOException {
    return ConfigFile.read(Files.writeString(dir.resolve("agent.yaml"), yaml));
  }

  private List<PipelineSpec> read(String pipelines) throws IOException {
    return PipelineSettings.read(file("agent:\n  hub: http://hub:8420\n" + pipelines));
  }

  @Test
  void reads_every_source_schedule_rule_and_action() throws IOException {
    List<PipelineSpec> specs =
        read(
            """
              pipelines:
                pump-watch:
                  model: pump-failure
                  source:
                    synthetic:
                      seed: 7
                      readings: 2
                      fields:
                        temperature: {mean: 60, amplitude: 15, period: 30s, noise: 2, spike: 0.1, spike-size: 40}
                  schedule: {every: 500ms}
                  input:
                    name: input
                    datatype: fp64
                    features:
                      - {field: temperature, scale: 0.1, offset: -1}
                      - vibration
                  rules:
                    - name: failure risk
                      when: output[1] > 0.8 and output[0] < 0.2
                      cooldown: 10m
                      then:
                        - event: {severity: critical, message: pump failure risk}
                        - webhook: {url: "http://ops:9000/hook", timeout: 5s, retries: 2, headers: {X-Site: a}}
                        - command: {run: [logger, -t, pump], timeout: 3s, max-output-kb: 8}
                        - event: info
                folder:
                  model: m
                  source: {file: {path: /var/lib/readings, format: csv}}
                  schedule: {cron: "*/5 * * * mon-fri"}
                  input: {features: [a]}
                cmd:
                  model: m
                  source: {command: {run: [read-sensor, --json]}}
                  schedule: {every: 1m}
                  input: {features: [a]}
            """);

    assertThat(specs).extracting(PipelineSpec::name).containsExactly("pump-watch", "folder", "cmd");
    PipelineSpec watch = specs.getFirst();
    assertThat(watch.model()).isEqualTo("pump-failure");
    assertThat(watch.source())
        .isEqualTo(
            new Source.Synthetic(
                7,
                Map.of("temperature", new Source.Wave(60, 15, Duration.ofSeconds(30), 2, 0.1, 40)),
                2));
    assertThat(watch.schedule()).isEqualTo(new Schedule.Every(Duration.ofMillis(500)));
    assertThat(watch.input())
        .isEqualTo(
            new InputMapping(
                "input",
                DataType.FP64,
                List.of(
                    new InputMapping.Feature("temperature", 0.1, -1),
                    InputMapping.Feature.of("vibration"))));
    Rule rule = watch.rules().getFirst();
    assertThat(rule.name()).isEqualTo("failure risk");
    assertThat(rule.when()).hasSize(2);
    assertThat(rule.cooldown()).isEqualTo(Duration.ofMinutes(10));
    assertThat(rule.actions())
        .containsExactly(
            new Action.RaiseEvent("critical", "pump failure risk"),
            new Action.Webhook(
                URI.create("http://ops:9000/hook"),
                Duration.ofSeconds(5),
                2,
                Map.of("X-Site", "a")),
            new Action.RunCommand(List.of("logger", "-t", "pump"), Duration.ofSeconds(3), 8192),
            new Action.RaiseEvent("info", null));
    assertThat(specs.get(1).source())
        .isEqualTo(new Source.Files(Path.of("/var/lib/readings"), Source.Format.CSV));
    assertThat(specs.get(1).schedule()).isInstanceOf(Schedule.Cron.class);
    assertThat(specs.get(2).source())
        .isEqualTo(
            new Source.Command(
                List.of("read-sensor", "--json"), Duration.ofSeconds(10), 64 * 1024, null));
  }

  @Test
  void every_problem_names_the_file_line_pipeline_and_key_and_all_are_reported_at_once()
      throws IOException {
    assertThatThrownBy(
            () ->
                read(
                    """
                      pipelines:
                        a:
                          model: m
                          source: {synthetic: {fields: {t: {mean: 1}}}}
                          schedule: {every: 0s}
                          input: {features: [t]}
                        b:
                          model: m
                          source: {synthetic: {fields: {t: {mean: 1}}}}
                          schedule: {every: 1s}
                          input: {features: [t]}
                          rules:
                            - when: output[1] > high
                              then: [{event: {}}]
                        c:
                          model: m
                          sorce: {file: /x}
                    """))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e -> {
              List<String> problems = ((ConfigException) e).problems();
              String path = dir.resolve("agent.yaml").toString();
              assertThat(problems).hasSize(3);
              assertThat(problems.get(0))
                  .startsWith(path + ":7: pipelines.a.schedule.every: '0s' is zero");
              assertThat(problems.get(1))
                  .startsWith(path + ":15: pipelines.b.rules[0].when:")
                  .contains("'output[1] > high' is not a comparison");
              assertThat(problems.get(2))
                  .startsWith(path + ":19: pipelines.c.sorce: unknown key 'sorce'")
                  .contains("known: input, model, rules, schedule, source");
            });
  }

  @Test
  void a_missing_key_a_bad_cron_and_two_sources_are_named() throws IOException {
    assertThatThrownBy(() -> read("  pipelines:\n    a:\n      model: m\n"))
        .hasMessageContaining(":4: pipelines.a: needs 'source:'");
    assertThatThrownBy(
            () ->
                read(
                    "  pipelines:\n    a:\n      model: m\n      source: {file: /x}\n"
                        + "      schedule: {cron: '61 * * * *'}\n      input: {features: [t]}\n"))
        .hasMessageContaining(":7: pipelines.a.schedule.cron: cron minute '61'");
    assertThatThrownBy(
            () ->
                read(
                    "  pipelines:\n    a:\n      model: m\n"
                        + "      source: {file: /x, command: {run: x}}\n"
                        + "      schedule: {every: 1s}\n      input: {features: [t]}\n"))
        .hasMessageContaining(
            "pipelines.a.source: needs exactly one of synthetic, file, command, push");
  }

  @Test
  void a_push_source_reads_its_token_file_and_a_missing_one_is_named() throws IOException {
    Path token = Files.writeString(dir.resolve("push.token"), "s3cret\n");
    String yaml =
        "  pipelines:\n    p:\n      model: m\n      source: {push: {token-file: %s}}\n"
            + "      schedule: {every: 1s}\n      input: {features: [t]}\n";

    assertThat(read(yaml.formatted(token)).getFirst().source())
        .isEqualTo(new Source.Push("s3cret"));
    assertThat(
            read(yaml.formatted("{}").replace("{push: {token-file: {}}}", "{push: {}}"))
                .getFirst()
                .source())
        .isEqualTo(new Source.Push(null));
    assertThatThrownBy(() -> read(yaml.formatted(dir.resolve("missing"))))
        .hasMessageContaining("pipelines.p.source.push.token-file: '")
        .hasMessageContaining("missing' does not exist");
  }

  @Test
  void an_mqtt_source_and_action_read_broker_topic_qos_and_a_password_file() throws IOException {
    Path password = Files.writeString(dir.resolve("mqtt.password"), "s3cret\n");
    List<PipelineSpec> specs =
        read(
            """
              pipelines:
                p:
                  model: m
                  source:
                    mqtt:
                      broker: tcp://broker.local:1883
                      topic: sensors/+/pump
                      username: edge
                      password-file: %s
                      max-message-kb: 8
                      session-expiry: 48h
                  schedule: {every: 1m}
                  input: {features: [t]}
                  rules:
                    - when: output[1] > 0.8
                      then:
                        - mqtt: {broker: "ssl://broker.local", topic: alerts/pump, retain: true, timeout: 3s}
            """
                .formatted(password));

    Source.Mqtt source = (Source.Mqtt) specs.getFirst().source();
    assertThat(source.broker())
        .isEqualTo(
            new MqttBroker(
                URI.create("tcp://broker.local:1883"),
                null,
                "edge",
                "s3cret",
                null,
                Duration.ofSeconds(10)));
    assertThat(source.broker().toString()).doesNotContain("s3cret");
    assertThat(source.topic()).isEqualTo("sensors/+/pump");
    assertThat(source.qos()).isEqualTo(1);
    assertThat(source.maxMessageBytes()).isEqualTo(8 * 1024);
    assertThat(source.sessionExpiry()).isEqualTo(Duration.ofDays(2));
    Action.PublishMqtt action =
        (Action.PublishMqtt) specs.getFirst().rules().getFirst().actions().getFirst();
    assertThat(action.broker().port()).isEqualTo(8883);
    assertThat(action.topic()).isEqualTo("alerts/pump");
    assertThat(action.qos()).isEqualTo(1);
    assertThat(action.retain()).isTrue();
    assertThat(action.broker().timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void bad_mqtt_settings_are_named_without_showing_a_password() throws IOException {
    String yaml =
        "  pipelines:\n    p:\n      model: m\n      source: {mqtt: {%s}}\n"
            + "      schedule: {every: 1s}\n      input: {features: [t]}\n";

    assertThatThrownBy(() -> read(yaml.formatted("broker: http://b, topic: t")))
        .hasMessageContaining(
            "pipelines.p.source.mqtt.broker: mqtt.broker 'http://b' must be tcp://");
    assertThatThrownBy(() -> read(yaml.formatted("broker: tcp://b, topic: a/#/c")))
        .hasMessageContaining("+ must be a whole level and # the whole last level");
    assertThatThrownBy(() -> read(yaml.formatted("broker: tcp://b, topic: t, qos: 3")))
        .hasMessageContaining("pipelines.p.source.mqtt.qos: '3' is not a whole number from 0 to 2");
    assertThatThrownBy(
            () ->
                read(
                    yaml.formatted(
                        "broker: tcp://b, topic: t, username: u,"
                            + " password-env: VERGE_TEST_UNSET_PASSWORD_VARIABLE")))
        .hasMessageContaining(
            "pipelines.p.source.mqtt.password-env: environment variable"
                + " VERGE_TEST_UNSET_PASSWORD_VARIABLE is not set");
    Path password = Files.writeString(dir.resolve("pw"), "hunter2");
    assertThatThrownBy(
            () -> read(yaml.formatted("broker: tcp://b, topic: t, password-file: " + password)))
        .hasMessageContaining("password-file or password-env needs mqtt.username")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void a_file_without_pipelines_has_none_and_its_settings_still_resolve() throws IOException {
    ConfigFile file = file("agent:\n  hub: http://hub:8420\n");

    assertThat(PipelineSettings.read(file)).isEmpty();
    assertThat(PipelineSettings.read(null)).isEmpty();
  }

  @Test
  void pipelines_set_twice_is_refused_with_both_lines() throws IOException {
    assertThatThrownBy(() -> file("agent:\n  pipelines: {}\n  pipelines: {}\n"))
        .hasMessageContaining(":3: agent.pipelines is set twice (first on line 2)");
  }
}
