package dev.verge.core.api;

/**
 * Every error body Verge's servers send, the hub's and the agent's alike: {@code error} says what
 * was wrong in words, {@code code} names the outcome for programs (for example {@code
 * NO_SUCH_MODEL}, or a {@link dev.verge.core.bundle.BundleProblem} name for a refused bundle). The
 * Open Inference Protocol's error body is {@code {"error": "..."}}; the added {@code code} keeps it
 * compatible.
 */
public record ApiError(String error, String code) {}
