package dev.verge.hub.model;

import java.nio.file.Path;

/** A stored, published bundle: its immutable file, its size and its SHA-256. */
public record BundleFile(Path path, long size, String digest) {}
