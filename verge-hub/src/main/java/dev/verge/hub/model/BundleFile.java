package dev.verge.hub.model;

/** A stored, published bundle: its SHA-256 and its size; its bytes come from the bundle store. */
public record BundleFile(String digest, long size) {}
