package dev.verge.bench.serve;

import java.util.Arrays;
import java.util.Random;

/**
 * One model the benchmark serves: one FP32 input {@code input} of shape [batch, ...sample] and one
 * FP32 output {@code output} of shape [batch, outputs].
 *
 * @param name the name it is served under, and its key in {@code --models}
 * @param label how the table names it
 */
record BenchModel(String name, String label, byte[] onnx, long[] sample, int outputs) {
  static final String INPUT = "input";
  static final String OUTPUT = "output";

  /** Floats in one sample. */
  int sampleSize() {
    long size = 1;
    for (long dim : sample) {
      size *= dim;
    }
    return Math.toIntExact(size);
  }

  long[] shape(int batch) {
    long[] shape = new long[sample.length + 1];
    shape[0] = batch;
    System.arraycopy(sample, 0, shape, 1, sample.length);
    return shape;
  }

  /** The same inputs for every server and run: seeded by the model and the batch. */
  float[] input(int batch) {
    Random random = new Random(31L * name.hashCode() + batch);
    float[] values = new float[batch * sampleSize()];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    return values;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(sample);
  }
}
