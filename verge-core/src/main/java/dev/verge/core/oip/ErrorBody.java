package dev.verge.core.oip;

/** The protocol's error body, {@code {"error": "..."}}; the hub answers errors the same way. */
public record ErrorBody(String error) {}
