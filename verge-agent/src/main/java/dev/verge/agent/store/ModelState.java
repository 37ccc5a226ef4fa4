package dev.verge.agent.store;

/**
 * What this device remembers of one model.
 *
 * @param activeVersion the version it serves, null when none
 * @param activeDigest the digest of the active version's bundle, null when none
 * @param highestVersion the highest version ever activated here, the floor for anti-rollback
 */
public record ModelState(
    String name, Long activeVersion, String activeDigest, long highestVersion) {}
