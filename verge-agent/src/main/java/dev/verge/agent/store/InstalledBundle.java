package dev.verge.agent.store;

/** A verified bundle kept in the data folder, by digest. */
public record InstalledBundle(String digest, String model, long version, long size) {}
