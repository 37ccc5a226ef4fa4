package dev.verge.bench.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident memory as the kernel counts it ({@code /proc/PID/status}), in KiB. */
record Memory(long residentKib, long peakKib) {
  /** {@code VmRSS} and {@code VmHWM} of {@code pid}; null where there is no such file. */
  static Memory of(long pid) {
    try {
      return parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    } catch (IOException e) {
      return null;
    }
  }

  static Memory parse(String status) {
    long rss = -1;
    long hwm = -1;
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
      } else if (line.startsWith("VmHWM:")) {
        hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return rss < 0 ? null : new Memory(rss, hwm);
  }
}
