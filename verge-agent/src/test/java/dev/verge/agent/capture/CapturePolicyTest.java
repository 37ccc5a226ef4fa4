package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CapturePolicyTest {

  @Test
  void terms_override_only_what_they_name() {
    CapturePolicy base = new CapturePolicy(false, 1, 64 * 1024);

    assertThat(base.with("inputs=true sample=10%")).isEqualTo(new CapturePolicy(true, 0.1, 65536));
    assertThat(base.with("max-record-kb=16;sample=0.5"))
        .isEqualTo(new CapturePolicy(false, 0.5, 16 * 1024));
    assertThat(base.with("  ")).isEqualTo(base);
    assertThat(base.with("max-rate=0").maxRate()).isZero();
    assertThat(base.with("max-rate=250")).isEqualTo(new CapturePolicy(false, 1, 65536, 250));
  }

  @Test
  void the_default_keeps_a_thousand_records_a_second_and_every_keeps_all() {
    assertThat(CapturePolicy.DEFAULT.maxRate()).isEqualTo(1000);
    assertThat(CapturePolicy.EVERY.maxRate()).isZero();
    assertThat(CapturePolicy.EVERY.withMaxRate(1000)).isEqualTo(CapturePolicy.DEFAULT);
  }

  @Test
  void a_bad_term_is_named() {
    CapturePolicy base = CapturePolicy.DEFAULT;

    assertThatThrownBy(() -> base.with("inputs=yes")).hasMessageContaining("'inputs=yes'");
    assertThatThrownBy(() -> base.with("sample=2")).hasMessageContaining("outside 0-1");
    assertThatThrownBy(() -> base.with("sample=many")).hasMessageContaining("'many'");
    assertThatThrownBy(() -> base.with("max-record-kb=0")).hasMessageContaining("outside 1-16384");
    assertThatThrownBy(() -> base.with("outputs=false"))
        .hasMessageContaining("'outputs' is not one of inputs, sample, max-record-kb, max-rate");
    assertThatThrownBy(() -> base.with("max-rate=-1"))
        .hasMessageContaining("max-rate -1 is outside");
    assertThatThrownBy(() -> base.with("max-rate=fast")).hasMessageContaining("'fast'");
    assertThatThrownBy(() -> base.with("inputs")).hasMessageContaining("'inputs' is not one of");
  }

  @Test
  void rates_read_as_shares_or_percentages() {
    assertThat(CapturePolicy.parseRate("0.25")).isEqualTo(0.25);
    assertThat(CapturePolicy.parseRate("25%")).isEqualTo(0.25);
    assertThat(CapturePolicy.parseRate("0")).isZero();
    assertThatThrownBy(() -> CapturePolicy.parseRate("101%")).hasMessageContaining("outside");
    assertThatThrownBy(() -> CapturePolicy.parseRate("NaN")).hasMessageContaining("outside");
  }

  @Test
  void a_config_gives_each_model_its_policy_or_the_default() {
    CapturePolicy vision = CapturePolicy.DEFAULT.withInputs(true);
    CaptureConfig config = CaptureConfig.defaults().withModels(java.util.Map.of("vision", vision));

    assertThat(config.policy("vision")).isEqualTo(vision);
    assertThat(config.policy("pump")).isEqualTo(CapturePolicy.DEFAULT);
    assertThatThrownBy(() -> CaptureConfig.defaults().withQueue(0, CaptureConfig.WhenFull.WAIT))
        .hasMessageContaining("outside 1-1000000");
  }
}
