package dev.verge.hub.http;

/**
 * Every error body: {@code error} says what was wrong in words, {@code code} names the outcome for
 * programs (a {@link dev.verge.core.bundle.BundleProblem} name for refused bundles).
 */
record ApiError(String error, String code) {}
