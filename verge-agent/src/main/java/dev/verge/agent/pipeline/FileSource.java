package dev.verge.agent.pipeline;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * {@link Source.Files}. A file is followed: each cycle reads the complete lines added since the
 * position saved in the {@link PipelineStore}, and a file that shrank is read again from its start
 * (it was rotated or rewritten). A folder's files are taken in name order, each read once (across
 * cycles and restarts, from its saved position), then moved to {@code done/}; names starting with
 * '.' or ending in {@code .tmp} or {@code .part} are left alone, so that a writer can write a file
 * under such a name and rename it when complete.
 */
final class FileSource implements SourceReader {
  static final String DONE = "done";
  private static final System.Logger LOG = System.getLogger(FileSource.class.getName());

  private final String pipeline;
  private final Source.Files source;
  private final PipelineStore store;

  FileSource(String pipeline, Source.Files source, PipelineStore store) {
    this.pipeline = pipeline;
    this.source = source;
    this.store = store;
  }

  @Override
  public Batch read(int max) throws IOException {
    Path path = source.path();
    if (Files.isDirectory(path)) {
      return readFolder(path, max);
    }
    if (!Files.exists(path)) {
      return Batch.of(List.of()); // Not written yet: nothing to read.
    }
    return follow(path, max);
  }

  private Batch follow(Path file, int max) throws IOException {
    long size = Files.size(file);
    long position = store.position(pipeline, file).orElse(0);
    if (size < position) {
      LOG.log(
          System.Logger.Level.WARNING,
          "pipeline {0}: {1} shrank from {2} to {3} bytes; reading it again from the start",
          pipeline,
          file,
          position,
          size);
      position = 0;
    }
    if (size == position) {
      return Batch.of(List.of());
    }
    Lines.Parsed parsed = parse(file, position, max, false);
    long next = position + parsed.consumed();
    return new Batch(
        parsed.readings(),
        parsed.rejected(),
        () -> store.savePosition(pipeline, file, next, false),
        parsed.more());
  }

  private Batch readFolder(Path folder, int max) throws IOException {
    Path done = folder.resolve(DONE);
    Path file = next(folder, done);
    if (file == null) {
      return Batch.of(List.of());
    }
    long position = store.position(pipeline, file).orElse(0);
    Lines.Parsed parsed = parse(file, position, max, true);
    long next = position + parsed.consumed();
    boolean finished = !parsed.more();
    Runnable commit =
        () -> {
          store.savePosition(pipeline, file, next, finished);
          if (finished) {
            moveDone(file, done);
          }
        };
    // A file finished leaves the others for the next cycle, which starts at once when there are.
    return new Batch(parsed.readings(), parsed.rejected(), commit, true);
  }

  /** The first file to read, after moving away those already done (a crash before the move). */
  private Path next(Path folder, Path done) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files =
          list.filter(Files::isRegularFile)
              .filter(p -> waiting(p.getFileName().toString()))
              .sorted()
              .toList();
    }
    for (Path file : files) {
      if (store.done(pipeline, file)) {
        moveDone(file, done);
        continue;
      }
      return file;
    }
    return null;
  }

  private static boolean waiting(String name) {
    return !name.startsWith(".") && !name.endsWith(".tmp") && !name.endsWith(".part");
  }

  private void moveDone(Path file, Path done) {
    try {
      Files.createDirectories(done);
      Path target = done.resolve(file.getFileName());
      for (int n = 1; Files.exists(target); n++) {
        target = done.resolve(file.getFileName() + "." + n);
      }
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      store.forget(pipeline, file);
    } catch (NoSuchFileException e) {
      store.forget(pipeline, file);
    } catch (IOException e) {
      // Marked done in the store: it is not read again, and the move is retried next cycle.
      throw new PipelineException(
          "pipeline " + pipeline + ": cannot move " + file + " to " + done + ": " + e, e);
    }
  }

  private Lines.Parsed parse(Path file, long position, int max, boolean whole) throws IOException {
    Source.Format format = source.format() == null ? Source.Format.of(file) : source.format();
    List<String> header = null;
    String name = file.getFileName().toString();
    if (format == Source.Format.CSV && position > 0) {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
        header = Lines.header(in, name);
      }
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      in.skipNBytes(position);
      return Lines.read(in, name, format, header, position, max, whole);
    }
  }

  /** For tests: where a pipeline stands in a file. */
  OptionalLong position(Path file) {
    return store.position(pipeline, file);
  }
}
