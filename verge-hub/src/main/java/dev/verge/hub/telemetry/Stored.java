package dev.verge.hub.telemetry;

/**
 * What storing a batch did: how many of its records were new, and whether the batch was a resend
 * (its idempotency key seen before), in which case nothing changed.
 */
public record Stored(int added, boolean duplicate) {}
