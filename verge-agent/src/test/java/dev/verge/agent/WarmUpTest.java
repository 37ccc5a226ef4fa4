package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.testing.TestClock;
import dev.verge.runtime.TestModels;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Any model that loads serves: a version is warmed on the samples its bundle ships, which also
 * check its answers, and without samples on zeros, whose failure is told once and refuses nothing.
 */
class WarmUpTest extends AgentHarness {
  /** The window is this many samples long: a 1-sample frame cannot run. */
  private static final int KERNEL = 64;

  private static final int FRAME = 256;

  private final List<LogRecord> installerLog = new ArrayList<>();
  private final Logger installer = Logger.getLogger("dev.verge.agent.sync.ModelInstaller");
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          synchronized (installerLog) {
            installerLog.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureTheInstallersLog() {
    installer.addHandler(capture);
  }

  @AfterEach
  void stopCapturing() {
    installer.removeHandler(capture);
  }

  private List<String> warnings() {
    synchronized (installerLog) {
      return installerLog.stream()
          .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
          .map(LogRecord::getMessage)
          .toList();
    }
  }

  /** 0, 1, 2, ... as one [1, 1, FRAME] frame. */
  private static String ramp() {
    return IntStream.range(0, FRAME).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }

  /** The moving mean of the ramp: 31.5, 32.5, ... plus {@code offset}. */
  private static String means(double offset) {
    return IntStream.range(0, FRAME - KERNEL + 1)
        .mapToObj(i -> Double.toString(31.5 + i + offset))
        .collect(Collectors.joining(","));
  }

  private static String samples(int samples, String data, String expected) {
    return """
        {"samples": [{"id": "ramp",
          "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, %d], "data": [%s]}]%s}]}
        """
        .formatted(samples, data, expected);
  }

  private static String expecting(double offset) {
    return """
        , "outputs": [{"name": "output", "datatype": "FP32", "shape": [1, 1, %d], "data": [%s]}]
        """
        .formatted(FRAME - KERNEL + 1, means(offset));
  }

  private static JsonNode inferFrame(Http http) {
    Http.Response response =
        http.post(
            "/v2/models/vad/infer",
            """
            {"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, %d], "data": [%s]}]}
            """
                .formatted(FRAME, ramp()));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  /**
   * Regression: a model that cannot run on 1-sized dimensions (Silero VAD, which needs a frame of
   * samples) was refused at warm-up ("warm-up inference failed: ... failed on zero inputs"), so the
   * agent could never serve it though ONNX Runtime does.
   */
  @Test
  void serves_a_model_that_cannot_run_on_one_sized_dimensions() {
    hub.desire(
        hub.model("vad", 1, bundles.withSamples("vad", 1, TestModels.minimumLength(KERNEL), null)));
    Agent agent = start();

    agent.syncNow();

    assertThat(reportedVersions("vad"))
        .contains(new ModelReport("vad", 1L, List.of(1L), null, null, null));
    JsonNode output = inferFrame(http(agent)).path("outputs").get(0);
    assertThat(output.path("shape").toString()).isEqualTo("[1,1,193]");
    assertThat(output.path("data").get(0).floatValue()).isEqualTo(31.5f);
    assertThat(output.path("data").get(192).floatValue()).isEqualTo(223.5f);
    assertThat(warnings())
        .as("the failed warm-up is told once, and says what to do")
        .singleElement()
        .asString()
        .startsWith("vad v1 serves without a warm-up: it did not run on zeros")
        .contains("--samples");
  }

  @Test
  void warms_on_the_bundles_samples_and_serves() {
    String samples = samples(FRAME, ramp(), expecting(0));
    hub.desire(
        hub.model(
            "vad", 1, bundles.withSamples("vad", 1, TestModels.minimumLength(KERNEL), samples)));
    Agent agent = start();

    agent.syncNow();

    assertThat(reportedVersions("vad"))
        .contains(new ModelReport("vad", 1L, List.of(1L), null, null, null));
    assertThat(inferFrame(http(agent)).path("outputs").get(0).path("data").get(1).floatValue())
        .isEqualTo(32.5f);
    assertThat(warnings()).isEmpty();
  }

  @Test
  void refuses_a_version_whose_samples_answer_differently() {
    byte[] model = TestModels.minimumLength(KERNEL);
    hub.desire(
        hub.model(
            "vad", 1, bundles.withSamples("vad", 1, model, samples(FRAME, ramp(), expecting(0)))));
    Agent agent = start();
    agent.syncNow();

    hub.desire(
        hub.model(
            "vad", 2, bundles.withSamples("vad", 2, model, samples(FRAME, ramp(), expecting(1)))));
    agent.syncNow();

    ModelReport report = reported("vad").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).isEqualTo(2L);
    assertThat(report.error())
        .isEqualTo(
            "sample check failed: vad v2, sample 'ramp', output 'output' differs at 193 of 193"
                + " elements; element 0 is 31.5, expected 32.5 (largest difference 1.0, tolerance"
                + " absolute 1.0E-5 + relative 1.0E-4)");
    assertThat(inferFrame(http(agent)).path("model_version").asText()).isEqualTo("1");
  }

  @Test
  void refuses_a_version_whose_samples_do_not_run() {
    String tooShort = samples(8, "0,1,2,3,4,5,6,7", "");
    hub.desire(
        hub.model(
            "vad", 1, bundles.withSamples("vad", 1, TestModels.minimumLength(KERNEL), tooShort)));
    Agent agent = start();

    agent.syncNow();

    ModelReport report = reported("vad").orElseThrow();
    assertThat(report.activeVersion()).isNull();
    assertThat(report.failedVersion()).isEqualTo(1L);
    assertThat(report.error())
        .startsWith("sample check failed: vad v1, sample 'ramp' does not run: ");
    assertThat(http(agent).get("/v2/models/vad").status()).isEqualTo(404);
  }

  @Test
  void refuses_a_bundle_whose_sample_file_was_changed_after_signing() {
    byte[] model = TestModels.minimumLength(KERNEL);
    byte[] signed = bundles.withSamples("vad", 1, model, samples(FRAME, ramp(), expecting(0)));
    String forged = samples(FRAME, ramp(), expecting(1));
    Agent agent = start();

    hub.desire(hub.model("vad", 1, TestBundles.forgeSamples(signed, forged, false)));
    agent.syncNow();

    assertThat(reported("vad").orElseThrow().error())
        .startsWith("bundle check failed: samples.json ")
        .contains("the manifest says");

    hub.desire(hub.model("vad", 1, TestBundles.forgeSamples(signed, forged, true)));
    agent.syncNow();

    assertThat(reported("vad").orElseThrow().error())
        .startsWith("signature check failed:")
        .contains("does not match the manifest");
    assertThat(http(agent).get("/v2/models/vad").status()).isEqualTo(404);
  }

  @Test
  void a_restarted_agent_serves_it_again_offline() {
    hub.desire(
        hub.model("vad", 1, bundles.withSamples("vad", 1, TestModels.minimumLength(KERNEL), null)));
    Agent first = start();
    first.syncNow();
    first.close();
    hub.close();

    Agent second = start(config().withEnrollmentToken(null));

    Http http = http(second);
    assertThat(inferFrame(http).path("model_version").asText()).isEqualTo("1");
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    assertThat(warnings()).as("once per load: install, then restore").hasSize(2);
  }

  @Test
  void a_version_waiting_for_its_window_is_refused_now_for_samples_it_cannot_read() {
    byte[] signed =
        bundles.resigned(
            TestBundles.forgeSamples(
                bundles.withSamples(
                    "vad", 1, TestModels.minimumLength(KERNEL), samples(FRAME, ramp(), "")),
                "{\"samples\": []}",
                true));
    DesiredModel plain = hub.model("vad", 1, signed);
    hub.desire(
        new DesiredModel(
            plain.name(),
            plain.version(),
            plain.bundleDigest(),
            plain.bundleSize(),
            plain.deploymentId(),
            false,
            new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null)));
    Agent agent =
        start(
            config().withTimeZone(ZoneId.of("UTC")),
            new TestClock(Instant.parse("2026-12-01T23:00:00Z")));

    agent.syncNow();

    ModelReport report = reported("vad").orElseThrow();
    assertThat(report.failedVersion()).isEqualTo(1L);
    assertThat(report.error())
        .isEqualTo(
            "sample check failed: samples.json of vad v1 has no \"samples\" list, or an empty one");
  }
}
