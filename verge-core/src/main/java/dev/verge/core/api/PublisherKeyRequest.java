package dev.verge.core.api;

/** Register a publisher's public key (PEM) with the hub, which then accepts bundles it signed. */
public record PublisherKeyRequest(String name, String publicKeyPem) {}
