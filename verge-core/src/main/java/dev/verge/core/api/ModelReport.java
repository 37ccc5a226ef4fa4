package dev.verge.core.api;

import java.util.List;

/**
 * One model on a device.
 *
 * @param activeVersion the version serving requests, null when none is
 * @param failedVersion the last version the device refused or could not load, with {@code error}
 */
public record ModelReport(
    String name,
    Long activeVersion,
    List<Long> installedVersions,
    Long failedVersion,
    String error) {
  public ModelReport {
    installedVersions = installedVersions == null ? List.of() : List.copyOf(installedVersions);
  }
}
