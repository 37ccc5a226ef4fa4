package dev.verge.sqlite;

/** A SQLite file that could not be created, opened or migrated; the message names the file. */
public final class SqliteOpenException extends RuntimeException {
  public SqliteOpenException(String message, Throwable cause) {
    super(message, cause);
  }
}
