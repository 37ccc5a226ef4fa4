package dev.verge.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One hub per data folder: a lock on {@code hub.lock} held while the hub runs. A SQLite store
 * belongs to one hub (it remembers desired states and learns of changes in process), and even on
 * PostgreSQL two hubs must not share one folder's admin token and temporary uploads. The operating
 * system lets the lock go when the process dies, so a killed hub never blocks the next start.
 */
final class DataLock implements AutoCloseable {
  static final String FILE_NAME = "hub.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @throws IllegalStateException when another hub holds the folder
   */
  static DataLock take(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot lock " + file, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new IllegalStateException(
          "another hub is running on the data folder "
              + dataDir
              + " ("
              + FILE_NAME
              + " is locked); stop it, or give this hub its own --data. Several hubs share a"
              + " PostgreSQL store (--store postgresql://...), each with its own data folder");
    }
    return new DataLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // The channel's close below lets it go too.
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing held is lost: the lock goes with the channel.
    }
  }
}
