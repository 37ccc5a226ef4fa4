package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.util.List;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Runs a model on CUDA and compares it with the CPU. Needs the GPU build of ONNX Runtime and a GPU
 * ({@code ./mvnw -Pcuda -pl verge-runtime verify -Dtest=CudaExecutionTest} on such a machine);
 * elsewhere it is skipped, and the skip says what the device lacks.
 */
class CudaExecutionTest {

  @Test
  void a_model_on_cuda_answers_as_on_the_cpu() {
    ExecutionProviders.Capabilities here =
        ExecutionProviders.probe(ExecutionProvider.AUTO, System.getenv());
    ProviderChoice choice = ExecutionProviders.choose(ExecutionProvider.AUTO, here);
    if (choice.provider() != ExecutionProvider.CUDA) {
      // Also in the build's output, not only in the report: a skip must never go unnoticed.
      System.err.println("CudaExecutionTest skipped: " + choice.reason());
    }
    assumeThat(choice.provider())
        .as("CUDA is not available here, so this test cannot run: %s", choice.reason())
        .isEqualTo(ExecutionProvider.CUDA);

    Tensor input =
        new Tensor(
            "input", DataType.FP32, new long[] {3, 2}, new float[] {0f, 0f, 3f, 3f, -1f, 2f});
    OnnxEngine gpu =
        new OnnxEngine(EngineOptions.defaults().withExecutionProvider(ExecutionProvider.CUDA));
    OnnxEngine cpu =
        new OnnxEngine(EngineOptions.defaults().withExecutionProvider(ExecutionProvider.CPU));
    assertThat(gpu.executionProvider().provider()).isEqualTo(ExecutionProvider.CUDA);
    try (LoadedModel onGpu = gpu.load(new ModelSource("pump", 1, TestModels.logistic()));
        LoadedModel onCpu = cpu.load(new ModelSource("pump", 1, TestModels.logistic()))) {
      float[] expected = (float[]) onCpu.infer(List.of(input), Set.of()).get(0).data();
      float[] actual = (float[]) onGpu.infer(List.of(input), Set.of()).get(0).data();

      assertThat(actual).containsExactly(expected, Offset.offset(1e-5f));
    }
  }
}
