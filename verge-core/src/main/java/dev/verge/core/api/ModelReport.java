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
 * @param stats how the active version has behaved since it was activated; null when nothing is
 *     active (or the agent does not count)
 * @param pending the version the device works towards and does not serve yet; null when none
 * @param sideBySide the versions it serves (or works towards) beside the active one, for
 *     side-by-side deployments
 * @param local changes made on the device through its model repository API, which the hub's next
 *     change of desired state undoes
 */
public record ModelReport(
    String name,
    Long activeVersion,
    List<Long> installedVersions,
    Long failedVersion,
    String error,
    Long failedDeployment,
    VersionStats stats,
    PendingTarget pending,
    List<SideBySideVersion> sideBySide,
    List<LocalChange> local) {
  public ModelReport {
    installedVersions = installedVersions == null ? List.of() : List.copyOf(installedVersions);
    sideBySide = sideBySide == null ? List.of() : List.copyOf(sideBySide);
    local = local == null ? List.of() : List.copyOf(local);
  }

  /** A report without side-by-side versions or local changes. */
  public ModelReport(
      String name,
      Long activeVersion,
      List<Long> installedVersions,
      Long failedVersion,
      String error,
      Long failedDeployment,
      VersionStats stats,
      PendingTarget pending) {
    this(
        name,
        activeVersion,
        installedVersions,
        failedVersion,
        error,
        failedDeployment,
        stats,
        pending,
        List.of(),
        List.of());
  }

  /** A report without health counters or pending target. */
  public ModelReport(
      String name,
      Long activeVersion,
      List<Long> installedVersions,
      Long failedVersion,
      String error,
      Long failedDeployment) {
    this(
        name, activeVersion, installedVersions, failedVersion, error, failedDeployment, null, null);
  }
}
