package dev.verge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConfig;

/**
 * The request ids of every prediction the agent acknowledged (answered 200), and the checks of the
 * fault suites against them: each one is in the device's store or at the hub, and nowhere twice.
 */
final class Ledger {
  /** Each acknowledged id and when its answer arrived ({@link System#nanoTime()}). */
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();

  void acknowledged(String requestId) {
    acknowledged.put(requestId, System.nanoTime());
  }

  int size() {
    return acknowledged.size();
  }

  Set<String> ids() {
    return Set.copyOf(acknowledged.keySet());
  }

  /**
   * How long before {@code nanoTime} the earliest of {@code ids} was answered, in milliseconds: for
   * the records a power cut lost, the window they were lost in (as the client saw the answers,
   * which arrive after the agent sent them, so never longer than the agent's window). 0 for none.
   */
  long earliestBefore(List<String> ids, long nanoTime) {
    long earliest = nanoTime;
    for (String id : ids) {
      Long at = acknowledged.get(id);
      if (at != null && at < earliest) {
        earliest = at;
      }
    }
    return (nanoTime - earliest) / 1_000_000;
  }

  /**
   * Where {@code lost} leaves a hole: an id of {@link Load}'s form {@code prefix-thread-n}, kept,
   * that its thread was answered after one of its lost ones. A load thread sends its next request
   * only once the last is answered, so each thread's records reach capture in its order; the
   * capture writer commits its queue in order; so a power cut loses the tail of each thread's
   * records and nothing before it. Empty when every thread lost only its tail.
   */
  List<String> holes(Collection<String> lost, String prefix) {
    Map<String, Long> firstLost = new HashMap<>();
    for (String id : lost) {
      Sequence s = Sequence.of(id, prefix);
      if (s != null) {
        firstLost.merge(s.thread(), s.n(), Math::min);
      }
    }
    Set<String> lostIds = Set.copyOf(lost);
    List<String> holes = new ArrayList<>();
    for (String id : acknowledged.keySet()) {
      Sequence s = Sequence.of(id, prefix);
      Long first = s == null ? null : firstLost.get(s.thread());
      if (first != null && s.n() > first && !lostIds.contains(id)) {
        holes.add(id + " kept, though " + prefix + "-" + s.thread() + "-" + first + " was lost");
      }
    }
    holes.sort(null);
    return holes;
  }

  /** A load thread's n-th request id. */
  private record Sequence(String thread, long n) {
    static Sequence of(String id, String prefix) {
      if (!id.startsWith(prefix + "-")) {
        return null;
      }
      String[] parts = id.substring(prefix.length() + 1).split("-");
      return parts.length == 2 ? new Sequence(parts[0], Long.parseLong(parts[1])) : null;
    }
  }

  /** A store as a crash left it: what {@code PRAGMA integrity_check} said, and each id's count. */
  record Store(String integrity, Map<String, Integer> requests) {
    boolean intact() {
      return integrity.equals("ok");
    }
  }

  /**
   * What an acknowledged id or a stored one broke: {@code lost} are acknowledged ids in neither
   * store, {@code duplicated} ids held twice (in one store, or unsynced on the device and at the
   * hub at once would be a resend the hub's idempotency keys absorb, so that is not counted).
   */
  record Check(int acknowledged, List<String> lost, List<String> duplicated) {
    boolean clean() {
      return lost.isEmpty() && duplicated.isEmpty();
    }

    @Override
    public String toString() {
      return acknowledged
          + " acknowledged, "
          + lost.size()
          + " lost "
          + lost.stream().limit(5).toList()
          + ", "
          + duplicated.size()
          + " duplicated "
          + duplicated.stream().limit(5).toList();
    }
  }

  /** Checks every acknowledged id against the device's store and the hub's. */
  Check check(Store device, Store hub) {
    return check(ids(), device, hub);
  }

  /**
   * Checks the ids acknowledged before the stores were read (taken with {@link #ids()} first): with
   * an agent still serving, an id acknowledged after its store was read is in neither yet.
   */
  Check check(Set<String> ids, Store device, Store hub) {
    List<String> lost = new ArrayList<>();
    for (String id : ids) {
      if (!device.requests().containsKey(id) && !hub.requests().containsKey(id)) {
        lost.add(id);
      }
    }
    List<String> duplicated = new ArrayList<>();
    for (Store store : List.of(device, hub)) {
      store
          .requests()
          .forEach(
              (id, n) -> {
                if (n > 1) {
                  duplicated.add(id + "×" + n);
                }
              });
    }
    return new Check(ids.size(), lost, duplicated);
  }

  /** Checks every acknowledged id against the hub alone, once the device has forwarded all. */
  Check checkHub(Store hub) {
    return check(new Store("ok", Map.of()), hub);
  }

  /**
   * A device store as a crash left it, read from a copy of the database and its WAL (so the
   * recovery SQLite runs on opening changes nothing the agent will read on its restart).
   */
  static Store deviceStore(Path database) {
    try {
      Path copy = Files.createTempDirectory("verge-store-check");
      try {
        for (String suffix : List.of("", "-wal")) {
          Path file = database.resolveSibling(database.getFileName() + suffix);
          if (Files.exists(file)) {
            Files.copy(
                file, copy.resolve("agent.db" + suffix), StandardCopyOption.REPLACE_EXISTING);
          }
        }
        return read(copy.resolve("agent.db"), false);
      } finally {
        try (var files = Files.list(copy)) {
          for (Path file : files.toList()) {
            Files.deleteIfExists(file);
          }
        }
        Files.deleteIfExists(copy);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A device store while its agent runs, read-only through SQLite (which sees the last commit), not
   * from a copy: a copy of a database and its log taken while a checkpoint runs need not agree.
   */
  static Store liveStore(Path database) {
    return read(database, true);
  }

  /** The hub's store, read-only while the hub runs. */
  static Store hubStore(Path database) {
    return read(database, true);
  }

  private static Store read(Path database, boolean readOnly) {
    if (!Files.isRegularFile(database)) {
      return new Store("missing: " + database, Map.of());
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(readOnly);
    config.setBusyTimeout(10_000);
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + database, config.toProperties());
        Statement s = c.createStatement()) {
      StringBuilder integrity = new StringBuilder();
      try (ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
        while (r.next()) {
          integrity.append(integrity.isEmpty() ? "" : "; ").append(r.getString(1));
        }
      }
      Map<String, Integer> requests = new HashMap<>();
      try (ResultSet r =
          s.executeQuery(
              "SELECT request_id, count(*) FROM predictions WHERE request_id IS NOT NULL"
                  + " GROUP BY request_id")) {
        while (r.next()) {
          requests.put(r.getString(1), r.getInt(2));
        }
      }
      return new Store(integrity.toString(), requests);
    } catch (SQLException e) {
      return new Store("unreadable: " + e.getMessage(), Map.of());
    }
  }
}
