package dev.verge.hub.device;

import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.hub.HubException;
import dev.verge.hub.telemetry.TelemetryStore;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** The enrolled devices and what they last reported. */
public final class Devices {
  private final DeviceStore store;
  private final TelemetryStore telemetry;
  private final LastContacts contacts;
  private final Clock clock;

  public Devices(DeviceStore store, TelemetryStore telemetry, LastContacts contacts, Clock clock) {
    this.store = store;
    this.telemetry = telemetry;
    this.contacts = contacts;
    this.clock = clock;
  }

  public List<DeviceView> list() {
    List<Device> devices = store.devices();
    Map<String, Long> stored = telemetry.storedCounts();
    return devices.stream().map(d -> view(d, stored.getOrDefault(d.id(), 0L))).toList();
  }

  public DeviceView get(String id) {
    Device device = store.device(id).orElseThrow(() -> new HubException.NoSuchDevice(id));
    return view(device, telemetry.storedCount(id));
  }

  private DeviceView view(Device d, long stored) {
    return new DeviceView(
        d.id(),
        d.name(),
        d.labels(),
        d.enrolledAt(),
        contacts.latest(d.id(), d.lastSeenAt()),
        d.reported(),
        stored);
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
    return view(device, telemetry.storedCount(id));
  }

  public void report(String id, ReportedState state) {
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
    if (!store.saveReported(id, state, clock.instant().truncatedTo(ChronoUnit.MILLIS))) {
      throw new HubException.NoSuchDevice(id);
    }
  }
}
