package dev.verge.hub.device;

import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.hub.HubException;
import dev.verge.hub.store.HubStore;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The enrolled devices and what they last reported. */
public final class Devices {
  private final HubStore store;
  private final Clock clock;

  public Devices(HubStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public List<DeviceView> list() {
    return store.devices();
  }

  public DeviceView get(String id) {
    return store.device(id).orElseThrow(() -> new HubException.NoSuchDevice(id));
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
