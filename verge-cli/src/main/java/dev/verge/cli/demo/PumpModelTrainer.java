package dev.verge.cli.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Trains the demo's predictive-maintenance classifier with Tribuo on synthetic pump readings and
 * exports it to ONNX.
 *
 * <p>Two readings per machine: vibration (mm/s RMS) and bearing temperature (in tens of °C, so both
 * features share a scale; Tribuo's ONNX export carries no feature scaling). Failing pumps vibrate
 * and run hot. The exported graph takes {@code input} [batch, 2] with the columns in {@link
 * #FEATURES} order and answers {@code output} [batch, 2], the probabilities of {@link #LABELS}.
 */
public final class PumpModelTrainer {
  /** Column order of the model's input: Tribuo sorts feature names. */
  public static final List<String> FEATURES = List.of("temperature", "vibration");

  /** Column order of the model's output. */
  public static final List<String> LABELS = List.of("healthy", "failing");

  private static final LabelFactory LABEL_FACTORY = new LabelFactory();

  /** What training produced: the ONNX file and how well it did on held-out readings. */
  public record TrainedModel(Path onnx, double accuracy, int examples) {}

  /**
   * How the demo trains each model version: v2 is the same model retrained on more readings; v3 is
   * the bad release a rollout must stop: trained on a mislabelled export in which nearly every
   * reading says "failing", so it answers "failing" for every pump. {@code verge demo train} uses
   * the same recipes, so a by-hand walkthrough gets the demo's models.
   *
   * @param mislabelled whether the training labels are the broken export's
   */
  public record Recipe(long version, int examples, int epochs, long seed, boolean mislabelled) {
    public static Recipe of(long version) {
      return switch ((int) version) {
        case 1 -> new Recipe(1, 2_000, 6, 11L, false);
        case 2 -> new Recipe(2, 4_000, 10, 22L, false);
        case 3 -> new Recipe(3, 4_000, 10, 33L, true);
        default ->
            throw new IllegalArgumentException(
                "the demo trains versions 1, 2 and 3 (the mislabelled one), not " + version);
      };
    }

    public TrainedModel train(Path out) {
      return PumpModelTrainer.train(examples, epochs, seed, version, mislabelled, out);
    }
  }

  private PumpModelTrainer() {}

  /**
   * Trains on {@code examples} readings drawn with {@code seed} and writes {@code out}.
   *
   * @param version written into the ONNX metadata as the model version
   */
  public static TrainedModel train(int examples, int epochs, long seed, long version, Path out) {
    return train(examples, epochs, seed, version, false, out);
  }

  /**
   * As {@link #train(int, int, long, long, Path)}; {@code mislabelled} labels 99% of the training
   * readings "failing" whatever they show (the test readings keep their true labels, so the
   * accuracy shows how bad the model is).
   */
  static TrainedModel train(
      int examples, int epochs, long seed, long version, boolean mislabelled, Path out) {
    Logger.getLogger("org.tribuo").setLevel(Level.WARNING);
    Random random = new Random(seed);
    MutableDataset<Label> training = dataset(readings(examples, random, mislabelled), "training");
    MutableDataset<Label> test =
        dataset(readings(Math.max(200, examples / 4), random, false), "test");
    LinearSGDTrainer trainer =
        new LinearSGDTrainer(
            new LogMulticlass(), new AdaGrad(0.5, 0.1), epochs, Integer.MAX_VALUE, 1, seed);
    Model<Label> model = trainer.train(training);
    requireLabelOrder(model);
    double accuracy = new LabelEvaluator().evaluate(model, test).accuracy();
    try {
      ((ONNXExportable) model).saveONNXModel("dev.verge.demo", version, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ONNX model to " + out, e);
    }
    return new TrainedModel(out, accuracy, examples);
  }

  /** One synthetic reading, {@code [temperature/10, vibration]}, healthy or failing. */
  public static double[] reading(boolean failing, Random random) {
    double vibration =
        failing ? 6.5 + 1.6 * random.nextGaussian() : 2.2 + 0.8 * random.nextGaussian();
    double temperature = failing ? 82 + 7 * random.nextGaussian() : 58 + 5 * random.nextGaussian();
    return new double[] {temperature / 10.0, Math.max(0, vibration)};
  }

  private static List<Example<Label>> readings(int count, Random random, boolean mislabelled) {
    List<Example<Label>> examples = new ArrayList<>(count);
    String[] names = FEATURES.toArray(String[]::new);
    for (int i = 0; i < count; i++) {
      boolean failing = random.nextDouble() < 0.3;
      double[] reading = reading(failing, random);
      boolean labelledFailing = mislabelled ? random.nextDouble() < 0.99 : failing;
      examples.add(
          new ArrayExample<>(
              new Label(labelledFailing ? LABELS.get(1) : LABELS.get(0)), names, reading));
    }
    return examples;
  }

  private static MutableDataset<Label> dataset(List<Example<Label>> examples, String what) {
    return new MutableDataset<>(
        new ListDataSource<>(
            examples,
            LABEL_FACTORY,
            new SimpleDataSourceProvenance(
                "synthetic pump readings (" + what + ")", LABEL_FACTORY)));
  }

  private static void requireLabelOrder(Model<Label> model) {
    for (int i = 0; i < LABELS.size(); i++) {
      int id = model.getOutputIDInfo().getID(new Label(LABELS.get(i)));
      if (id != i) {
        throw new IllegalStateException(
            "Tribuo numbered label " + LABELS.get(i) + " " + id + ", expected " + i);
      }
    }
  }
}
