package dev.verge.hub.device;

import dev.verge.core.api.DeviceView;
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
  private final Clock clock;

  public Devices(DeviceStore store, TelemetryStore telemetry, Clock clock) {
    this.store = store;
    this.telemetry = telemetry;
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

  private static DeviceView view(Device d, long stored) {
    return new DeviceView(
        d.id(), d.name(), d.labels(), d.enrolledAt(), d.lastSeenAt(), d.reported(), stored);
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
