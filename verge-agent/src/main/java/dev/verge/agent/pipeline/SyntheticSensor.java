package dev.verge.agent.pipeline;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** {@link Source.Synthetic}: waves with noise and spikes, deterministic for a seed. */
final class SyntheticSensor implements SourceReader {
  private final Source.Synthetic source;
  private final Map<String, Source.Wave> fields;
  private final Clock clock;
  private final Instant started;
  private final SplittableRandom random;
  private long count;

  SyntheticSensor(Source.Synthetic source, Clock clock) {
    this.source = source;
    // Sorted, so that the same seed gives the same numbers whatever order the map came in.
    this.fields = new TreeMap<>(source.fields());
    this.clock = clock;
    this.started = clock.instant();
    this.random = new SplittableRandom(source.seed());
  }

  @Override
  public Batch read(int max) {
    List<Reading> readings = new ArrayList<>();
    double t = (clock.millis() - started.toEpochMilli()) / 1000.0;
    for (int i = 0; i < Math.min(max, source.readings()); i++) {
      Map<String, Object> values = new LinkedHashMap<>();
      fields.forEach((name, wave) -> values.put(name, value(wave, t)));
      readings.add(new Reading("synthetic #" + ++count, values));
    }
    return Batch.of(readings);
  }

  private double value(Source.Wave wave, double t) {
    double period = wave.period().toMillis() / 1000.0;
    double v = wave.mean() + wave.amplitude() * Math.sin(2 * Math.PI * t / period);
    v += wave.noise() * gaussian();
    if (wave.spike() > 0 && random.nextDouble() < wave.spike()) {
      v += wave.spikeSize();
    }
    return v;
  }

  private double gaussian() {
    // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default.
    double u = 1 - random.nextDouble();
    double w = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
  }
}
