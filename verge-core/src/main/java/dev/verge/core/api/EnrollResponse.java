package dev.verge.core.api;

/** The device's id and its credential, shown once; the hub keeps only the credential's hash. */
public record EnrollResponse(String deviceId, String credential) {}
