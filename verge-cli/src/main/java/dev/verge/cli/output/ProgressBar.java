package dev.verge.cli.output;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * A progress bar for uploads and downloads on standard error. On a terminal it redraws one line;
 * elsewhere (logs, CI) it prints a line at each quarter so the output stays readable. Closing it
 * ends a line left unfinished (a transfer that broke off), so what is printed next starts afresh.
 */
public final class ProgressBar implements LongConsumer, AutoCloseable {
  private static final int WIDTH = 30;
  private final String label;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private int lastShown = -1;
  private int lastLength;
  private boolean lineOpen;

  public ProgressBar(String label, long total, PrintStream out, boolean terminal) {
    this.label = label;
    this.total = Math.max(1, total);
    this.out = out;
    this.terminal = terminal;
  }

  public static ProgressBar onStderr(String label, long total) {
    return new ProgressBar(label, total, System.err, System.console() != null);
  }

  @Override
  public synchronized void accept(long done) {
    int percent = (int) Math.min(100, done * 100 / total);
    if (percent == lastShown || (!terminal && percent % 25 != 0)) {
      return;
    }
    lastShown = percent;
    int filled = percent * WIDTH / 100;
    String line =
        String.format(
            Locale.ROOT,
            "%s [%s%s] %3d%% %s / %s",
            label,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            percent,
            bytes(Math.min(done, total)),
            bytes(total));
    if (terminal) {
      // Spaces over what a longer previous line left (e.g. "999.9 KiB" before "1.0 MiB"); plain
      // spaces rather than an ANSI erase, which a dumb terminal would print as text.
      String padding = " ".repeat(Math.max(0, lastLength - line.length()));
      lastLength = line.length();
      lineOpen = percent < 100;
      out.print("\r" + line + padding + (lineOpen ? "" : "\n"));
    } else {
      out.println(line);
    }
    out.flush();
  }

  @Override
  public synchronized void close() {
    if (lineOpen) {
      out.println();
      out.flush();
      lineOpen = false;
    }
  }

  public static String bytes(long count) {
    if (count < 1024) {
      return count + " B";
    }
    if (count < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", count / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", count / (1024.0 * 1024));
  }
}
