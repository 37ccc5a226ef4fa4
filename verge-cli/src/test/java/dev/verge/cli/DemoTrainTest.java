package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.demo.PumpModelTrainer;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTrainTest {
  @TempDir Path dir;

  @Test
  void demo_train_writes_the_demos_model_as_onnx() throws Exception {
    Path out = dir.resolve("pump-v2.onnx");

    Cli.Result result = Cli.run("demo", "train", "--version", "2", "--out", out.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).contains("Wrote " + out, "model v2");
    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      OnnxEngine.Signature signature = engine.inspect(Files.readAllBytes(out));
      assertThat(signature.inputs().getFirst().name()).isEqualTo("input");
      assertThat(signature.inputs().getFirst().datatype()).isEqualTo(DataType.FP32);
    }
  }

  @Test
  void demo_train_does_not_overwrite_a_file_without_force() throws Exception {
    Path out = Files.writeString(dir.resolve("mine.onnx"), "keep me");

    Cli.Result refused = Cli.run("demo", "train", "--out", out.toString());

    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains(out + " exists; pass --force");
    assertThat(out).hasContent("keep me");
    assertThat(Cli.run("demo", "train", "--out", out.toString(), "--force").exit()).isZero();
  }

  @Test
  void demo_train_names_the_versions_it_knows() {
    Cli.Result result = Cli.run("demo", "train", "--version", "7", "--out", "x.onnx");

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.err())
        .contains("the demo trains versions 1, 2 and 3 (the mislabelled one), not 7");
  }

  @Test
  void the_mislabelled_v3_calls_healthy_pumps_failing_where_v2_does_not() throws Exception {
    Path v2 = PumpModelTrainer.Recipe.of(2).train(dir.resolve("v2.onnx")).onnx();
    Path v3 = PumpModelTrainer.Recipe.of(3).train(dir.resolve("v3.onnx")).onnx();
    double[] healthy = PumpModelTrainer.reading(false, new Random(5));

    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      assertThat(failingProbability(engine, v2, healthy)).isLessThan(0.5);
      assertThat(failingProbability(engine, v3, healthy)).isGreaterThan(0.9);
    }
  }

  private static double failingProbability(OnnxEngine engine, Path onnx, double[] reading)
      throws Exception {
    try (LoadedModel model = engine.load(new ModelSource("pump", 1, Files.readAllBytes(onnx)))) {
      Tensor input =
          new Tensor(
              "input",
              DataType.FP32,
              new long[] {1, 2},
              new float[] {(float) reading[0], (float) reading[1]});
      float[] output = (float[]) model.infer(List.of(input), Set.of()).get(0).data();
      return output[1];
    }
  }
}
