package dev.verge.hub.rollout;

import dev.verge.core.select.Selector;
import dev.verge.hub.device.Device;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Advances rollouts in the background: every {@code interval}, and at once when nudged (a device
 * reported, an operator acted). Each step of one rollout is its own small transaction, taken under
 * a lease ({@code rollout_leases}: owner and expiry) so that of several hubs sharing one database
 * only one advances a rollout at a time; the write itself is compare-and-set on the rollout's
 * revision, so even a step computed on stale data (a lease that ran out mid-step, an operator's
 * action in between) writes nothing. The same table and statements serve SQLite and PostgreSQL; a
 * hub that dies holding a lease holds up its rollouts for at most the lease's length, after which
 * another hub's next iteration takes it.
 *
 * <p>An iteration that fails (any {@link Throwable}, {@link Error} included) is logged and counted
 * in {@link #failures}; the loop goes on.
 */
public final class RolloutEngine implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RolloutEngine.class.getName());
  private static final int ATTEMPTS = 3;

  /** The least time between two iterations, however often the engine is nudged. */
  static final Duration MIN_GAP = Duration.ofMillis(100);

  /** Iterations are at least this many times their own length apart. */
  static final int BUSY_RATIO = 2;

  private final RolloutStore store;
  private final RolloutMachine machine;
  private final Fleet fleet;
  private final String owner;
  private final Duration interval;
  private final Duration lease;
  private final Consumer<String> desiredChanged;
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong iterations = new AtomicLong();
  private final AtomicLong busyNanos = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean nudged;
  private volatile boolean closed;
  private Thread thread;

  RolloutEngine(
      RolloutStore store,
      RolloutMachine machine,
      Fleet fleet,
      String owner,
      Duration interval,
      Duration lease,
      Consumer<String> desiredChanged) {
    this.desiredChanged = desiredChanged;
    this.store = store;
    this.machine = machine;
    this.fleet = fleet;
    this.owner = owner;
    this.interval = interval;
    this.lease = lease;
  }

  /** Starts the background loop. */
  public synchronized void start() {
    if (thread == null) {
      thread = Thread.ofPlatform().daemon().name("rollout-engine").start(this::loop);
    }
  }

  /** Iterations that failed since the start. */
  public long failures() {
    return failures.get();
  }

  /** Iterations run by the background loop since the start. */
  public long iterations() {
    return iterations.get();
  }

  /** Seconds the background loop spent in iterations since the start. */
  public double busySeconds() {
    return busyNanos.get() / 1e9;
  }

  /** Runs an iteration soon. */
  public void nudge() {
    lock.lock();
    try {
      nudged = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The device reported: its rollouts are looked at in the next iteration, which runs soon. */
  void deviceChanged(String deviceId) {
    dirty.add(deviceId);
    nudge();
  }

  private void loop() {
    while (!closed) {
      long start = System.nanoTime();
      try {
        runOnce();
      } catch (Throwable t) {
        failures.incrementAndGet();
        LOG.log(System.Logger.Level.ERROR, "rollout engine iteration failed; will retry", t);
      }
      long took = System.nanoTime() - start;
      iterations.incrementAndGet();
      busyNanos.addAndGet(took);
      pause(gap(Duration.ofNanos(took), interval));
    }
  }

  /**
   * The rest after an iteration that took {@code took}: reports nudge the engine by the thousand a
   * second in a large fleet, and one iteration steps every rollout they touch, so the gap batches
   * them: at least {@link #MIN_GAP} (or the interval, when shorter), and {@link #BUSY_RATIO} times
   * the iteration's own time, so that an engine whose rollouts span 100,000 devices spends at most
   * a third of a core on them instead of all of it.
   */
  static Duration gap(Duration took, Duration interval) {
    Duration least = MIN_GAP.compareTo(interval) < 0 ? MIN_GAP : interval;
    Duration paced = took.multipliedBy(BUSY_RATIO);
    return paced.compareTo(least) > 0 ? paced : least;
  }

  private void pause(Duration rest) {
    lock.lock();
    try {
      long gap = rest.toNanos();
      long wanted = gap;
      while (!closed && gap > 0) {
        gap = wake.awaitNanos(gap);
      }
      long left = interval.toNanos() - wanted;
      while (!nudged && !closed && left > 0) {
        left = wake.awaitNanos(left);
      }
      nudged = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * One iteration: steps every live rollout and those with devices that reported.
   *
   * @return how many rollouts changed
   */
  public int runOnce() {
    Set<Long> ids = new LinkedHashSet<>(store.live());
    List<String> changed = List.copyOf(dirty);
    dirty.removeAll(changed);
    ids.addAll(store.memberships(changed));
    if (ids.isEmpty()) {
      return 0;
    }
    Map<String, Device> devices = devicesById();
    int moved = 0;
    for (long id : ids) {
      if (step(id, devices)) {
        moved++;
      }
    }
    return moved;
  }

  /** Steps one rollout now, if this hub holds (or takes) its lease; true when it changed. */
  boolean step(long id) {
    return step(id, devicesById());
  }

  private boolean step(long id, Map<String, Device> devices) {
    Instant now = machine.now();
    if (!store.lease(id, owner, now, now.plus(lease))) {
      return false; // Another hub advances it.
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Optional<Rollout> rollout = store.rollout(id);
      if (rollout.isEmpty()) {
        return false;
      }
      RolloutStore.Change change = machine.step(snapshot(rollout.get(), devices));
      if (change.empty()) {
        return false;
      }
      if (store.apply(change)) {
        // Other rollouts of these devices may now be superseded or winning again.
        change.members().forEach(m -> dirty.add(m.deviceId()));
        tell(change);
        return true;
      }
    }
    return false;
  }

  /**
   * Wakes the long polls of the devices whose desired state the change may have moved. What a
   * member should run depends on the rollout's terms (its version, selector, priority, whether it
   * is rolled back) and on the member's own row (released, what it ran before); a step that only
   * moved states, waves or the phase on tells the members it rewrote, not the whole rollout, or a
   * 100,000-device rollout would wake every device on each of its thousands of steps.
   */
  private void tell(RolloutStore.Change change) {
    if (change.after().servesAsBefore(change.before())) {
      change.members().forEach(m -> desiredChanged.accept(m.deviceId()));
    } else {
      tellMembers(change.after().id());
    }
  }

  /**
   * Wakes the long polls of every device of the rollout: a phase change (a rollback, say) changes
   * what all of them should run, not only the members the change rewrote.
   */
  void tellMembers(long rolloutId) {
    for (Member m : store.members(rolloutId)) {
      desiredChanged.accept(m.deviceId());
    }
  }

  Map<String, Device> devicesById() {
    Map<String, Device> devices = new HashMap<>();
    for (Device d : fleet.devices()) {
      devices.put(d.id(), d);
    }
    return devices;
  }

  /** The rollout with what the machine needs: its waves, members, and who overrides it where. */
  RolloutMachine.Snapshot snapshot(Rollout r, Map<String, Device> devices) {
    List<Member> members = store.members(r.id());
    Map<String, List<Assignment>> others = new HashMap<>();
    for (Assignment a : store.assignmentsOfModel(r.model(), r.id())) {
      others.computeIfAbsent(a.member().deviceId(), d -> new ArrayList<>()).add(a);
    }
    Map<String, String> overriddenBy = new HashMap<>();
    Selector selector = Layering.selector(r.selector());
    for (Member m : members) {
      Device device = devices.get(m.deviceId());
      if (device == null) {
        continue;
      }
      Assignment mine = new Assignment(r, m);
      if (!selector.matches(device.labels())) {
        overriddenBy.put(m.deviceId(), "its labels no longer match the selector");
        continue;
      }
      if (r.sideBySide()) {
        continue; // Served beside whatever wins: no deployment overrides it.
      }
      for (Assignment o : others.getOrDefault(m.deviceId(), List.of())) {
        if (!o.rollout().sideBySide()
            && Layering.counts(o, device)
            && Layering.BEST_FIRST.compare(o, mine) < 0) {
          overriddenBy.put(m.deviceId(), Layering.overriddenBy(o));
          break;
        }
      }
    }
    return new RolloutMachine.Snapshot(r, store.waves(r.id()), members, devices, overriddenBy);
  }

  @Override
  public void close() {
    closed = true;
    nudge();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
