package dev.verge.runtime;

/** The bytes of one model version and the names it is served under. */
public record ModelSource(String name, long version, byte[] model) {}
