package dev.verge.core.api;

import java.time.Instant;

/** A publisher key the hub trusts. */
public record PublisherKeyView(String keyId, String name, String publicKeyPem, Instant addedAt) {}
