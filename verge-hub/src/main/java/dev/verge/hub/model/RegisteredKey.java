package dev.verge.hub.model;

import dev.verge.core.api.PublisherKeyView;
import java.time.Instant;

/** A publisher key registered through the API. */
public record RegisteredKey(String keyId, String name, String publicKeyPem, Instant addedAt) {
  PublisherKeyView view() {
    return new PublisherKeyView(keyId, name, publicKeyPem, addedAt);
  }
}
