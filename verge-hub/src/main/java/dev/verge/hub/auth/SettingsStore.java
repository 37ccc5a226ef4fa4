package dev.verge.hub.auth;

import java.util.Optional;

/**
 * The hub's own settings (today the admin token's hash). Safe for concurrent use; each method is
 * one transaction.
 */
public interface SettingsStore {
  Optional<String> adminTokenHash();

  /** Sets the admin token's hash unless one is set already; true when this call set it. */
  boolean initAdminTokenHash(String sha256);
}
