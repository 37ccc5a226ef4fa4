package dev.verge.cli.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The one handler every Verge program logs through: each record becomes one line on standard error,
 * text or JSON. Libraries that announce routine work at INFO (Flyway: "Migrating schema",
 * "Successfully validated") are shown as DEBUG, so a start says what Verge did and not what its
 * libraries did.
 */
final class ConsoleLogHandler extends Handler {
  private static final DateTimeFormatter TEXT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
  private static final JsonFactory JSON = new JsonFactory();
  private static final String[] CHATTY = {"org.flywaydb."};

  private final LogFormat format;
  private final Level threshold;
  private final Supplier<PrintStream> out;
  private final SimpleFormatter messages = new SimpleFormatter();

  ConsoleLogHandler(LogFormat format, Level threshold, Supplier<PrintStream> out) {
    this.format = format;
    this.threshold = threshold;
    this.out = out;
    setLevel(Level.ALL);
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null) {
      return;
    }
    Level level = shownLevel(record);
    if (level.intValue() < threshold.intValue() || level == Level.OFF) {
      return;
    }
    String line;
    try {
      line = format == LogFormat.JSON ? json(record, level) : text(record, level);
    } catch (RuntimeException e) {
      reportError("cannot format a log record", e, java.util.logging.ErrorManager.FORMAT_FAILURE);
      return;
    }
    PrintStream stream = out.get();
    synchronized (this) {
      stream.print(line);
      stream.flush();
    }
  }

  /** The level the record is shown at: INFO chatter of {@link #CHATTY} libraries is DEBUG. */
  static Level shownLevel(LogRecord record) {
    Level level = record.getLevel();
    String logger = record.getLoggerName();
    if (logger != null && level.intValue() <= Level.INFO.intValue()) {
      for (String prefix : CHATTY) {
        if (logger.startsWith(prefix)) {
          return level.intValue() == Level.INFO.intValue() ? Level.FINE : level;
        }
      }
    }
    return level;
  }

  /** The line Verge always printed: {@code 2026-01-01 12:00:00 INFO logger: message}. */
  private String text(LogRecord record, Level level) {
    StringBuilder line =
        new StringBuilder()
            .append(TEXT_TIME.format(record.getInstant()))
            .append(' ')
            .append(level.getName())
            .append(' ')
            .append(record.getLoggerName())
            .append(": ")
            .append(messages.formatMessage(record));
    if (record.getThrown() != null) {
      line.append(System.lineSeparator()).append(stackTrace(record.getThrown()).stripTrailing());
    }
    return line.append(System.lineSeparator()).toString();
  }

  /** One JSON object on one line: Jackson escapes the line breaks of messages and traces. */
  private String json(LogRecord record, Level level) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      json.writeStringField("timestamp", Instant.from(record.getInstant()).toString());
      json.writeStringField("level", LogLevel.nameOf(level));
      json.writeStringField("logger", record.getLoggerName());
      json.writeStringField("message", messages.formatMessage(record));
      json.writeStringField("thread", threadName(record));
      if (record.getThrown() != null) {
        json.writeStringField("exception", stackTrace(record.getThrown()));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.append('\n').toString();
  }

  /** JUL keeps only the thread's id; records are published on the thread that logged them. */
  private static String threadName(LogRecord record) {
    Thread current = Thread.currentThread();
    return current.threadId() == record.getLongThreadID()
        ? current.getName()
        : "thread-" + record.getLongThreadID();
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter trace = new StringWriter();
    try (PrintWriter writer = new PrintWriter(trace)) {
      thrown.printStackTrace(writer);
    }
    return trace.toString();
  }

  @Override
  public void flush() {
    out.get().flush();
  }

  @Override
  public void close() {
    flush();
  }
}
