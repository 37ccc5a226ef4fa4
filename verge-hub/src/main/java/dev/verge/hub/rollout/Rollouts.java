package dev.verge.hub.rollout;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.RolloutAction;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.core.select.Selector;
import dev.verge.hub.HubException;
import dev.verge.hub.device.DesiredModels;
import dev.verge.hub.device.Device;
import dev.verge.hub.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Deployments as rollouts: create them, follow them, act on them by hand, and answer what each
 * device should run. The {@link RolloutEngine} advances them in the background.
 */
public final class Rollouts implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Rollouts.class.getName());
  private static final int ACTION_ATTEMPTS = 5;

  private final RolloutStore store;
  private final RolloutMachine machine;
  private final RolloutEngine engine;
  private final Fleet fleet;
  private final Consumer<String> desiredChanged;

  /** Per device, the labels it had when it was last matched against the joinable rollouts. */
  private final Map<String, Map<String, String>> labelsSeen = new ConcurrentHashMap<>();

  Rollouts(RolloutStore store, Fleet fleet, Clock clock, Config config) {
    this(store, fleet, clock, config, deviceId -> {});
  }

  Rollouts(
      RolloutStore store,
      Fleet fleet,
      Clock clock,
      Config config,
      Consumer<String> desiredChanged) {
    this.store = store;
    this.fleet = fleet;
    this.desiredChanged = desiredChanged;
    this.machine = new RolloutMachine(clock);
    this.engine =
        new RolloutEngine(
            store,
            machine,
            fleet,
            config.owner(),
            config.interval(),
            config.lease(),
            desiredChanged);
  }

  /**
   * How the engine runs.
   *
   * @param owner this hub's name in the lease table (unique per running hub)
   * @param interval how often the engine looks at live rollouts when not nudged
   * @param lease how long a hub holds a rollout it stepped before another may take it
   */
  public record Config(String owner, Duration interval, Duration lease) {}

  /** Rollouts kept in the hub's database, telling no one of desired-state changes. */
  public static Rollouts on(Database db, Fleet fleet, Clock clock, Config config) {
    return on(db, fleet, clock, config, deviceId -> {});
  }

  /**
   * Rollouts kept in the hub's database (SQLite or PostgreSQL).
   *
   * @param desiredChanged told of each device whose desired state may have changed, so that its
   *     waiting long polls answer at once
   */
  public static Rollouts on(
      Database db, Fleet fleet, Clock clock, Config config, Consumer<String> desiredChanged) {
    return new Rollouts(new SqlRolloutStore(db), fleet, clock, config, desiredChanged);
  }

  public RolloutEngine engine() {
    return engine;
  }

  /**
   * Records a deployment and takes its first step (all at once: every targeted device is given the
   * version now).
   *
   * @throws HubException.InvalidInput naming the field that is wrong
   * @throws HubException.NoSuchVersion when that version is not published
   */
  public DeploymentView create(DeploymentRequest request) {
    if (request == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON DeploymentRequest");
    }
    if (request.model() == null || request.model().isBlank()) {
      throw new HubException.InvalidInput("model is required");
    }
    if (request.version() < 1) {
      throw new HubException.InvalidInput("version must be 1 or more, got " + request.version());
    }
    Selector selector;
    try {
      selector = Selector.parse(request.selector());
    } catch (IllegalArgumentException e) {
      throw new HubException.InvalidInput("selector: " + e.getMessage());
    }
    if (request.maxConcurrentDownloads() != null && request.maxConcurrentDownloads() < 1) {
      throw new HubException.InvalidInput(
          "maxConcurrentDownloads must be 1 or more, got " + request.maxConcurrentDownloads());
    }
    Layout.validate(request.rollout());
    if (request.sideBySide()) {
      requireSideBySideFits(request);
    }
    Fleet.Bundle bundle =
        fleet
            .bundle(request.model(), request.version())
            .orElseThrow(
                () ->
                    new HubException.NoSuchVersion(
                        "model '"
                            + request.model()
                            + "' has no published version "
                            + request.version()));
    List<String> targeted =
        fleet.devices().stream().filter(d -> selector.matches(d.labels())).map(Device::id).toList();
    NewRollout n =
        new NewRollout(
            request.model(),
            request.version(),
            bundle.digest(),
            bundle.size(),
            selector.toString(),
            request.rollback(),
            request.priority(),
            request.rollout(),
            request.window(),
            request.maxConcurrentDownloads(),
            request.sideBySide());
    Rollout rollout =
        store.add(
            n, machine.now(), id -> Layout.of(id, request.rollout(), targeted, machine.now()));
    engine.step(rollout.id());
    LOG.log(
        System.Logger.Level.INFO,
        "Deployment {0}: {1} v{2} to {3} ({4} device(s){5})",
        String.valueOf(rollout.id()),
        rollout.model(),
        String.valueOf(rollout.version()),
        rollout.selector().isEmpty() ? "every device" : rollout.selector(),
        String.valueOf(targeted.size()),
        request.sideBySide()
            ? ", side by side"
            : request.rollout() == null ? ", all at once" : ", in waves");
    return get(rollout.id());
  }

  /**
   * A side-by-side version goes to every targeted device at once and replaces nothing, so what
   * steers a replacement (waves and gates, windows, priority, the rollback flag) does not apply.
   */
  private static void requireSideBySideFits(DeploymentRequest request) {
    String what =
        request.rollout() != null
            ? "a rollout plan (canary, waves, gates)"
            : request.window() != null
                ? "a maintenance window"
                : request.rollback()
                    ? "rollback (a version served beside the default replaces nothing, so it is"
                        + " never a downgrade)"
                    : request.priority() != 0 ? "a priority (it overrides no deployment)" : null;
    if (what != null) {
      throw new HubException.InvalidInput(
          "a side-by-side deployment goes to every targeted device at once and cannot take "
              + what);
    }
  }

  /** Every deployment, newest first. */
  public List<DeploymentView> list() {
    Map<String, Device> devices = engine.devicesById();
    List<DeploymentView> views = new ArrayList<>();
    for (Rollout r : store.rollouts()) {
      views.add(view(r, devices));
    }
    return views;
  }

  public DeploymentView get(long id) {
    Rollout r = store.rollout(id).orElseThrow(() -> new HubException.NoSuchDeployment(id));
    return view(r, engine.devicesById());
  }

  private DeploymentView view(Rollout r, Map<String, Device> devices) {
    return Views.view(
        r, store.waves(r.id()), store.members(r.id()), store.transitions(r.id()), devices);
  }

  /**
   * Pauses, resumes, aborts or rolls back a rollout by hand.
   *
   * @param action one of {@link ApiPaths#ROLLOUT_ACTIONS}
   * @throws HubException.RolloutConflict when the action does not apply in the rollout's phase
   */
  public DeploymentView act(long id, String action, RolloutAction body) {
    RolloutMachine.Action what;
    try {
      what = RolloutMachine.Action.valueOf(action.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new HubException.InvalidInput(
          "unknown rollout action '" + action + "'; use one of " + ApiPaths.ROLLOUT_ACTIONS);
    }
    String reason = body == null ? null : body.reason();
    if (reason != null && reason.length() > RolloutAction.MAX_REASON) {
      throw new HubException.InvalidInput(
          "reason must be at most "
              + RolloutAction.MAX_REASON
              + " characters, got "
              + reason.length());
    }
    for (int attempt = 0; attempt < ACTION_ATTEMPTS; attempt++) {
      Rollout r = store.rollout(id).orElseThrow(() -> new HubException.NoSuchDeployment(id));
      RolloutStore.Change change =
          machine.act(engine.snapshot(r, engine.devicesById()), what, reason);
      if (store.apply(change)) {
        LOG.log(
            System.Logger.Level.INFO,
            "Deployment {0}: {1} by hand, now {2}",
            String.valueOf(id),
            action,
            change.after().phase());
        change.members().forEach(m -> engine.deviceChanged(m.deviceId()));
        engine.tellMembers(id);
        engine.nudge();
        return get(id);
      }
    }
    throw new HubException.StoreBusy(
        "deployment " + id + " kept changing while the action was applied; retry", null);
  }

  /** Per model, which deployment gives the device its version and which ones it overrides. */
  public DeviceExplanation explain(String deviceId) {
    Device device =
        fleet.device(deviceId).orElseThrow(() -> new HubException.NoSuchDevice(deviceId));
    return Layering.explain(device, store.assignments(deviceId));
  }

  /** What the device should run: one indexed read of its assignments, then per model the winner. */
  public List<DesiredModel> desired(Device device) {
    return desiredState(device).models();
  }

  /**
   * What the device should run: per model the winner's version, for its unversioned paths, and the
   * versions side-by-side deployments add beside it.
   */
  public DesiredModels desiredState(Device device) {
    List<Assignment> assignments = store.assignments(device.id());
    List<DesiredModel> models = new ArrayList<>();
    Map<String, Long> defaults = new HashMap<>();
    Layering.byModel(assignments, device)
        .forEach(
            (model, candidates) -> {
              for (Assignment a : candidates) {
                DesiredModel desired = desired(a);
                if (desired != null) {
                  models.add(desired);
                  defaults.put(model, desired.version());
                  return;
                }
              }
            });
    List<DesiredModel> beside = new ArrayList<>();
    Layering.sideBySide(assignments, device, defaults)
        .forEach((model, chosen) -> chosen.forEach(a -> beside.add(desired(a))));
    return new DesiredModels(models, beside);
  }

  private DesiredModel desired(Assignment a) {
    Rollout r = a.rollout();
    if (!r.rolledBack()) {
      return new DesiredModel(
          r.model(),
          r.version(),
          r.bundleDigest(),
          r.bundleSize(),
          r.id(),
          r.rollback(),
          r.window());
    }
    long back = a.member().previousVersion();
    return fleet
        .bundle(r.model(), back)
        .map(b -> new DesiredModel(r.model(), back, b.digest(), b.size(), r.id(), true, null))
        .orElse(null);
  }

  /**
   * A device enrolled or reported (its labels may have changed): it joins the rollouts its labels
   * now match, in their last wave, and is given the version at once where that wave has started.
   */
  public void deviceChanged(String deviceId) {
    Device device = fleet.device(deviceId).orElse(null);
    if (device == null) {
      return;
    }
    // Only a device new to this hub, or whose labels changed, can match rollouts it is not in:
    // a rollout takes every device its selector matches when it is created. So a report with the
    // same labels (nearly all of them) does not read every rollout ever made.
    Map<String, String> before = labelsSeen.put(deviceId, device.labels());
    if (!device.labels().equals(before)) {
      Set<Long> member = new HashSet<>(store.memberships(deviceId));
      for (Rollout r : store.joinable()) {
        if (!member.contains(r.id())
            && Layering.selector(r.selector()).matches(device.labels())
            && store.join(r.id(), deviceId, machine.now())) {
          engine.step(r.id());
        }
      }
      desiredChanged.accept(deviceId); // Its labels may now pick other deployments.
    }
    engine.deviceChanged(deviceId);
  }

  /** How many rollouts are in each phase. */
  public Map<RolloutPhase, Integer> phases() {
    return store.countByPhase();
  }

  /** Devices per state, summed over rollouts. */
  public Map<RolloutState, Integer> deviceStates() {
    return new HashMap<>(store.countByDeviceState());
  }

  @Override
  public void close() {
    engine.close();
  }
}
