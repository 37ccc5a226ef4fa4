package dev.verge.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchModelsTest {
  private static long weights(BenchModel model) throws Exception {
    long total = 0;
    for (TensorProto t : ModelProto.parseFrom(model.onnx()).getGraph().getInitializerList()) {
      long size = 1;
      for (long dim : t.getDimsList()) {
        size *= dim;
      }
      total += size;
    }
    return total;
  }

  @Test
  void the_cnns_have_the_sizes_the_table_names() throws Exception {
    assertThat(weights(BenchModels.mnist())).isEqualTo(431_242);
    assertThat(weights(BenchModels.cnn())).isEqualTo(619_202);
    assertThat(BenchModels.mnist().onnx().length).isBetween(1_700_000, 1_800_000);
    assertThat(BenchModels.cnn().onnx().length).isBetween(2_450_000, 2_550_000);
  }

  @Test
  void every_model_runs_at_batch_1_and_64_and_answers_class_probabilities() throws Exception {
    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      for (BenchModel model : BenchModels.all()) {
        try (LoadedModel loaded = engine.load(new ModelSource(model.name(), 1, model.onnx()))) {
          for (int batch : List.of(1, 64)) {
            float[] out =
                (float[])
                    loaded
                        .infer(
                            List.of(
                                new dev.verge.core.oip.Tensor(
                                    BenchModel.INPUT,
                                    dev.verge.core.oip.DataType.FP32,
                                    model.shape(batch),
                                    model.input(batch))),
                            Set.of())
                        .get(0)
                        .data();
            assertThat(out).as(model.name()).hasSize(batch * model.outputs());
            float sum = 0;
            for (int i = 0; i < model.outputs(); i++) {
              assertThat(out[i]).isBetween(0f, 1f);
              sum += out[i];
            }
            assertThat(sum)
                .as(model.name() + " row 0 sums to 1")
                .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
          }
        }
      }
    }
  }
}
