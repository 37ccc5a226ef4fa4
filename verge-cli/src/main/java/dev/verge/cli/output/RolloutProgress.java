package dev.verge.cli.output;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.Counts;
import dev.verge.core.api.DeploymentView.WaveView;
import java.io.PrintStream;
import java.util.Objects;

/**
 * What {@code verge deploy --wait} prints while it follows a rollout, on standard error: one line
 * per wave with its bar, count and phase. On a terminal the current wave's line is redrawn in place
 * and ended when the rollout moves on to the next wave, so the waves stack up as they finish;
 * elsewhere (logs, CI) a line is printed when the phase or wave changes, a device fails, or the
 * wave's progress crosses a quarter, so the output stays short.
 */
public final class RolloutProgress implements AutoCloseable {
  private final PrintStream out;
  private final boolean terminal;
  private Integer lineWave;
  private String lastLine = "";
  private String lastKey = "";
  private int lastLength;
  private boolean lineOpen;

  public RolloutProgress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  public static RolloutProgress onStderr() {
    return new RolloutProgress(System.err, System.console() != null);
  }

  /** Shows where {@code v} stands now. */
  public synchronized void show(DeploymentView v) {
    Integer wave = currentWave(v);
    if (terminal && lineOpen && !Objects.equals(wave, lineWave)) {
      // The wave on the open line is done with: draw its final numbers and end the line.
      draw(line(v, lineWave), true);
    }
    String line = line(v, wave);
    lineWave = wave;
    if (terminal) {
      if (!line.equals(lastLine)) {
        draw(line, v.state().terminal());
      }
      return;
    }
    String key = key(v, wave);
    if (!key.equals(lastKey)) {
      out.println(line);
      out.flush();
      lastKey = key;
      lastLine = line;
    }
  }

  /**
   * The line of one wave: {@code rollout 7 wave 1 (25%) [##### ] 5/10 active, 1 failed: SOAKING};
   * the whole rollout when it has no waves.
   */
  static String line(DeploymentView v, Integer wave) {
    WaveView w = wave(v, wave);
    if (w == null) {
      return "rollout "
          + v.id()
          + " "
          + RolloutReport.bar(v.counts(), v.counts().targeted())
          + " "
          + RolloutReport.progress(v.counts(), v.counts().targeted())
          + ": "
          + v.state();
    }
    String phase =
        v.state().terminal() || v.state() == dev.verge.core.api.RolloutPhase.PAUSED
            ? w.phase() + ", rollout " + v.state()
            : w.phase().toString();
    return "rollout "
        + v.id()
        + " "
        + w.name()
        + " ("
        + w.target()
        + ") "
        + RolloutReport.bar(w.counts(), w.devices())
        + " "
        + RolloutReport.progress(w.counts(), w.devices())
        + ": "
        + phase;
  }

  /** What must change for a plain-text line to be printed again. */
  private static String key(DeploymentView v, Integer wave) {
    WaveView w = wave(v, wave);
    Counts c = w == null ? v.counts() : w.counts();
    int total = w == null ? v.counts().targeted() : w.devices();
    int quarter = c.active() * 4 / Math.max(1, total);
    return v.state()
        + "|"
        + wave
        + "|"
        + (w == null ? "" : w.phase())
        + "|"
        + quarter
        + "|"
        + (c.failed() + c.unreachable() + c.rolledBack());
  }

  private void draw(String line, boolean end) {
    String padding = " ".repeat(Math.max(0, lastLength - line.length()));
    out.print("\r" + line + padding + (end ? "\n" : ""));
    out.flush();
    lastLength = end ? 0 : line.length();
    lastLine = line;
    lineOpen = !end;
  }

  private static Integer currentWave(DeploymentView v) {
    if (!RolloutReport.staged(v)) {
      return null; // all at once: one line for the whole rollout
    }
    return v.currentWave() == null ? v.waves().getFirst().index() : v.currentWave();
  }

  private static WaveView wave(DeploymentView v, Integer index) {
    if (index == null) {
      return null;
    }
    for (WaveView w : v.waves()) {
      if (w.index() == index) {
        return w;
      }
    }
    return null;
  }

  /** Ends a line left open, so what is printed next starts afresh. */
  @Override
  public synchronized void close() {
    if (lineOpen) {
      out.println();
      out.flush();
      lineOpen = false;
      lastLength = 0;
    }
  }
}
