package dev.verge.hub.device;

import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.select.Selector;
import dev.verge.hub.HubException;
import dev.verge.hub.store.StoreJson;
import dev.verge.hub.telemetry.TelemetryStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The enrolled devices and what they last reported. */
public final class Devices {
  /** A page holds this many devices unless the search asks for another number. */
  public static final int DEFAULT_PAGE = 100;

  /** The most devices one page holds. */
  public static final int MAX_PAGE = 1000;

  private final DeviceStore store;
  private final TelemetryStore telemetry;
  private final LastContacts contacts;
  private final Clock clock;
  private final Duration offlineAfter;

  /**
   * A report repeating what this hub stored for the device less than this long ago is not written
   * again. Bounds how long a hub can hold a stale belief when several hubs share the store: a
   * device whose reports alternate between hubs and go back to an earlier content.
   */
  static final Duration REWRITE_AFTER = Duration.ofMinutes(5);

  /** Per device, a digest of the report this hub last stored and when. */
  private final Map<String, StoredReport> lastStored = new ConcurrentHashMap<>();

  private record StoredReport(long high, long low, Instant at) {
    boolean repeatedBy(StoredReport next) {
      return high == next.high && low == next.low && next.at.isBefore(at.plus(REWRITE_AFTER));
    }
  }

  /**
   * @param offlineAfter a device whose last contact is older than this is offline
   */
  public Devices(
      DeviceStore store,
      TelemetryStore telemetry,
      LastContacts contacts,
      Clock clock,
      Duration offlineAfter) {
    this.store = store;
    this.telemetry = telemetry;
    this.contacts = contacts;
    this.clock = clock;
    this.offlineAfter = offlineAfter;
  }

  /**
   * One page of the devices {@code search} asks for, in enrollment order.
   *
   * @throws HubException.InvalidInput naming a malformed selector, status, limit or cursor
   */
  public DevicePage search(Search search) {
    Selector selector;
    try {
      selector = Selector.parse(search.selector());
    } catch (IllegalArgumentException e) {
      throw new HubException.InvalidInput("selector: " + e.getMessage());
    }
    DeviceQuery.Status status = status(search.status());
    if (search.limit() < 1 || search.limit() > MAX_PAGE) {
      throw new HubException.InvalidInput(
          "limit must be a whole number from 1 to " + MAX_PAGE + ", got " + search.limit());
    }
    DeviceQuery.Position after =
        search.cursor() == null || search.cursor().isEmpty()
            ? null
            : DeviceCursor.parse(search.cursor());
    Instant now = clock.instant();
    // One more than asked for says whether another page follows, without counting.
    List<Device> found =
        store.search(
            new DeviceQuery(selector, status, onlineSince(now), after, search.limit() + 1));
    boolean more = found.size() > search.limit();
    List<Device> page = more ? found.subList(0, search.limit()) : found;
    Map<String, Long> stored = telemetry.storedCounts(page.stream().map(Device::id).toList());
    return new DevicePage(
        page.stream().map(d -> view(d, stored.getOrDefault(d.id(), 0L), now)).toList(),
        more ? DeviceCursor.of(DeviceQuery.Position.of(page.getLast())) : null);
  }

  /**
   * A device search as the API takes it; null fields take their defaults.
   *
   * @param selector a label selector; null or blank for every device
   * @param status {@code online} or {@code offline}; null for both
   * @param limit at most this many devices
   * @param cursor the previous page's {@code nextCursor}; null for the first page
   */
  public record Search(String selector, String status, int limit, String cursor) {}

  private static DeviceQuery.Status status(String status) {
    if (status == null || status.isEmpty()) {
      return null;
    }
    return switch (status.toLowerCase(Locale.ROOT)) {
      case "online" -> DeviceQuery.Status.ONLINE;
      case "offline" -> DeviceQuery.Status.OFFLINE;
      default ->
          throw new HubException.InvalidInput(
              "status must be online or offline, got '" + status + "'");
    };
  }

  /** How many devices are enrolled, and how many called within {@code window}. */
  public DeviceStore.Counts counts(Duration window) {
    contacts.flush(); // The calls of the last second count too.
    return store.count(clock.instant().minus(window));
  }

  /** A device is online when its last contact is at or after this. */
  private Instant onlineSince(Instant now) {
    return now.minus(offlineAfter);
  }

  public DeviceView get(String id) {
    Device device = store.device(id).orElseThrow(() -> new HubException.NoSuchDevice(id));
    return view(device, telemetry.storedCount(id), clock.instant());
  }

  private DeviceView view(Device d, long stored, Instant now) {
    Instant lastSeen = contacts.latest(d.id(), d.lastSeenAt());
    return new DeviceView(
        d.id(),
        d.name(),
        d.labels(),
        d.enrolledAt(),
        lastSeen,
        d.reported() == null ? null : d.reported().withHardware(d.hardware()),
        stored,
        lastSeen != null && !lastSeen.isBefore(onlineSince(now)));
  }

  /**
   * Applies an operator's label change: its pairs are set and its keys removed, both winning over
   * what the device reports (see {@link OperatorLabels}).
   *
   * @throws HubException.InvalidInput naming a bad key or value, or a key both set and removed
   * @throws HubException.NoSuchDevice when no device has this id
   */
  public DeviceView changeLabels(String id, LabelChange change) {
    if (change == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON LabelChange {\"set\": {...}, \"remove\": [...]}");
    }
    Labels.requireValid(change.set(), "set");
    Labels.requireValidKeys(change.remove(), "remove");
    for (String key : change.remove()) {
      if (change.set().containsKey(key)) {
        throw new HubException.InvalidInput(
            "key '" + key + "' is both in set and in remove; send it in one of them");
      }
    }
    Device device =
        store
            .changeOperatorLabels(
                id,
                labels -> {
                  OperatorLabels next = labels.with(change.set(), change.remove());
                  if (next.keys().size() > Labels.MAX_LABELS) {
                    throw new HubException.InvalidInput(
                        "a device may hold at most "
                            + Labels.MAX_LABELS
                            + " operator labels (set or removed); this change makes "
                            + next.keys().size());
                  }
                  return next;
                })
            .orElseThrow(() -> new HubException.NoSuchDevice(id));
    return view(device, telemetry.storedCount(id), clock.instant());
  }

  /**
   * Keeps the device's report, unless it repeats the last one this hub stored for it in the last
   * {@link #REWRITE_AFTER}: an idle agent reports every 30 s with nothing new, and at 100,000
   * devices writing each of those would be thousands of transactions a second for nothing. Its
   * contact is counted either way (the request's authentication does that).
   *
   * @return whether the report was written (false: it repeats the last one, nothing changed)
   * @throws HubException.InvalidInput naming what is malformed
   * @throws HubException.NoSuchDevice when no device has this id
   */
  public boolean report(String id, ReportedState state) {
    if (state == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON ReportedState");
    }
    for (int i = 0; i < state.models().size(); i++) {
      ModelReport model = state.models().get(i);
      if (model == null || model.name() == null || model.name().isBlank()) {
        throw new HubException.InvalidInput("models[" + i + "].name is required");
      }
    }
    if (state.labels() != null) {
      Labels.requireValid(state.labels(), "labels");
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    StoredReport next = digest(state, now);
    StoredReport last = lastStored.get(id);
    if (last != null && last.repeatedBy(next)) {
      return false;
    }
    if (!store.saveReported(id, state, now)) {
      throw new HubException.NoSuchDevice(id);
    }
    lastStored.put(id, next);
    return true;
  }

  private static StoredReport digest(ReportedState state, Instant at) {
    byte[] sha;
    try {
      sha =
          MessageDigest.getInstance("SHA-256")
              .digest(StoreJson.write(state).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    ByteBuffer b = ByteBuffer.wrap(sha);
    return new StoredReport(b.getLong(), b.getLong(), at);
  }
}
