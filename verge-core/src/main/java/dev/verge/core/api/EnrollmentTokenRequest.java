package dev.verge.core.api;

/**
 * Ask for a one-time enrollment token.
 *
 * @param ttlSeconds how long it stays valid; null for the hub's default (24 hours)
 */
public record EnrollmentTokenRequest(Long ttlSeconds, String note) {}
