package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.verge.runtime.ExecutionProviders.Capabilities;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The choice of execution provider, from every kind of device; runs on every machine. */
class ExecutionProvidersTest {
  private static final Capabilities CPU_BUILD = new Capabilities(false, -1, "not looked for", null);
  private static final Capabilities NO_GPU =
      new Capabilities(true, 0, "no NVIDIA driver: /proc/driver/nvidia/gpus does not exist", null);
  private static final Capabilities BROKEN_CUDA =
      new Capabilities(true, 1, "1 under /proc/driver/nvidia/gpus", "libcudnn.so.9: not found");
  private static final Capabilities GPU =
      new Capabilities(true, 2, "2 under /proc/driver/nvidia/gpus", null);

  @Test
  void cpu_is_chosen_when_asked_for_even_with_a_gpu() {
    ProviderChoice choice = ExecutionProviders.choose(ExecutionProvider.CPU, GPU);

    assertThat(choice.provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(choice.reason()).isEqualTo("execution-provider is cpu");
  }

  @Test
  void auto_takes_cuda_when_the_gpu_build_and_a_gpu_are_present() {
    ProviderChoice choice = ExecutionProviders.choose(ExecutionProvider.AUTO, GPU);

    assertThat(choice.provider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(choice.reason())
        .contains("execution-provider is auto")
        .contains("2 GPU(s)")
        .contains("GPU 0");
  }

  @Test
  void auto_falls_back_to_the_cpu_saying_what_is_missing() {
    assertThat(ExecutionProviders.choose(ExecutionProvider.AUTO, CPU_BUILD))
        .satisfies(c -> assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU))
        .satisfies(c -> assertThat(c.reason()).contains("no CUDA provider").contains("CPU build"));
    assertThat(ExecutionProviders.choose(ExecutionProvider.AUTO, NO_GPU))
        .satisfies(c -> assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU))
        .satisfies(c -> assertThat(c.reason()).contains("no NVIDIA GPU is visible"));
    assertThat(ExecutionProviders.choose(ExecutionProvider.AUTO, BROKEN_CUDA))
        .satisfies(c -> assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU))
        .satisfies(c -> assertThat(c.reason()).contains("did not load").contains("libcudnn"));
  }

  @Test
  void demanding_cuda_where_it_cannot_run_is_an_error_naming_the_missing_part() {
    assertThatThrownBy(() -> ExecutionProviders.choose(ExecutionProvider.CUDA, CPU_BUILD))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("execution-provider is cuda, but")
        .hasMessageContaining("com.microsoft.onnxruntime:onnxruntime_gpu");
    assertThatThrownBy(() -> ExecutionProviders.choose(ExecutionProvider.CUDA, NO_GPU))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("no NVIDIA GPU is visible");
    assertThatThrownBy(() -> ExecutionProviders.choose(ExecutionProvider.CUDA, BROKEN_CUDA))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("libcudnn.so.9");
  }

  @Test
  void demanding_cuda_gets_it_when_present() {
    assertThat(ExecutionProviders.choose(ExecutionProvider.CUDA, GPU).provider())
        .isEqualTo(ExecutionProvider.CUDA);
  }

  @Test
  void cuda_visible_devices_set_to_hide_every_gpu_counts_as_no_gpu() {
    boolean cudaBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    Capabilities hidden =
        ExecutionProviders.probe(ExecutionProvider.AUTO, Map.of("CUDA_VISIBLE_DEVICES", "-1"));

    assertThat(hidden.cudaInBuild()).isEqualTo(cudaBuild);
    if (cudaBuild) {
      assertThat(hidden.gpus()).isZero();
      assertThat(hidden.gpuEvidence()).contains("CUDA_VISIBLE_DEVICES");
    }
    assertThat(ExecutionProviders.choose(ExecutionProvider.AUTO, hidden).provider())
        .isEqualTo(ExecutionProvider.CPU);
  }

  @Test
  void the_engine_reports_what_it_chose_on_this_machine() {
    ProviderChoice choice = new OnnxEngine(EngineOptions.defaults()).executionProvider();
    Capabilities here = ExecutionProviders.probe(ExecutionProvider.AUTO, System.getenv());

    assertThat(choice).isEqualTo(ExecutionProviders.choose(ExecutionProvider.AUTO, here));
    assertThat(choice.reason()).startsWith("execution-provider is auto");
  }

  @Test
  void an_engine_demanding_cuda_refuses_to_start_where_the_probe_finds_none() {
    Capabilities here = ExecutionProviders.probe(ExecutionProvider.CUDA, System.getenv());
    EngineOptions cuda = EngineOptions.defaults().withExecutionProvider(ExecutionProvider.CUDA);
    try {
      ExecutionProviders.choose(ExecutionProvider.CUDA, here);
      assertThat(new OnnxEngine(cuda).executionProvider().provider())
          .isEqualTo(ExecutionProvider.CUDA);
    } catch (EngineException missing) {
      assertThatThrownBy(() -> new OnnxEngine(cuda))
          .isInstanceOf(EngineException.class)
          .hasMessage(missing.getMessage());
    }
  }
}
