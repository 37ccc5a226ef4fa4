package dev.verge.core.bundle;

/** A file inside a bundle, with the digest and size it must have. */
public record FileEntry(String path, String sha256, long size) {}
