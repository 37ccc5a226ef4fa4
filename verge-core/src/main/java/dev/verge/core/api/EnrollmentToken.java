package dev.verge.core.api;

import java.time.Instant;

/** A fresh one-time enrollment token; shown once, stored hashed. */
public record EnrollmentToken(String token, Instant expiresAt) {}
