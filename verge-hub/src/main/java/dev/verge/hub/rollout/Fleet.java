package dev.verge.hub.rollout;

import dev.verge.hub.device.Device;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.model.ModelStore;
import java.util.List;
import java.util.Optional;

/** What the rollouts read about devices (labels, last contact, last report) and bundles. */
public interface Fleet {
  List<Device> devices();

  Optional<Device> device(String id);

  /** A published version's bundle: where a rollback sends a device back to. */
  Optional<Bundle> bundle(String model, long version);

  /** The digest and size of a published version's bundle. */
  record Bundle(String digest, long size) {}

  /** The fleet as the device and model stores hold it. */
  static Fleet of(DeviceStore devices, ModelStore models) {
    return new Fleet() {
      @Override
      public List<Device> devices() {
        return devices.devices();
      }

      @Override
      public Optional<Device> device(String id) {
        return devices.device(id);
      }

      @Override
      public Optional<Bundle> bundle(String model, long version) {
        return models
            .modelVersion(model, version)
            .map(v -> new Bundle(v.bundleDigest(), v.bundleSize()));
      }
    };
  }
}
