package dev.verge.core.api;

import java.util.List;

/**
 * One model on a device.
 *
 * @param activeVersion the version serving requests, null when none is
 * @param failedVersion the last version the device refused or could not load, with {@code error}
 * @param failedDeployment the deployment that asked for {@code failedVersion}, so the hub does not
 *     take a refusal of one deployment for the outcome of a later one of the same version (a
 *     rollback after a refused downgrade); null when unknown (older agents, a restore at start)
 */
public record ModelReport(
    String name,
    Long activeVersion,
    List<Long> installedVersions,
    Long failedVersion,
    String error,
    Long failedDeployment) {
  public ModelReport {
    installedVersions = installedVersions == null ? List.of() : List.copyOf(installedVersions);
  }
}
