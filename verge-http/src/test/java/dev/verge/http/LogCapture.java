package dev.verge.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the WARNING and SEVERE records every logger sends while it is open. */
public final class LogCapture implements AutoCloseable {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger root = Logger.getLogger("");
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            records.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  public LogCapture() {
    root.addHandler(handler);
  }

  /** The warnings and errors logged so far, as "LEVEL logger: message" lines. */
  public List<String> warnings() {
    return records.stream()
        .map(
            r ->
                r.getLevel()
                    + " "
                    + r.getLoggerName()
                    + ": "
                    + r.getMessage()
                    + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")"))
        .toList();
  }

  @Override
  public void close() {
    root.removeHandler(handler);
  }
}
