package dev.verge.core.bundle;

/**
 * The detached signature stored beside the manifest as {@code signature.json}: an Ed25519
 * signature, in base64, over the manifest's canonical JSON bytes.
 */
public record BundleSignature(String algorithm, String keyId, String value) {}
