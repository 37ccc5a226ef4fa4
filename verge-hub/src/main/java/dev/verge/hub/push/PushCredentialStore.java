package dev.verge.hub.push;

import java.time.Instant;
import java.util.function.BiConsumer;

/** The devices' credentials on the push broker, as the broker's own hashes. */
public interface PushCredentialStore {
  /** Keeps {@code passwordHash} as the device's only credential, replacing any earlier one. */
  void put(String deviceId, String passwordHash, Instant issuedAt);

  /** Every device's hash, streamed from the database (not held in memory all at once). */
  void forEach(BiConsumer<String, String> deviceAndHash);

  /** How many devices have a credential. */
  long count();
}
