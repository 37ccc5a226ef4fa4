package dev.verge.hub.store;

/**
 * The row an insert-if-absent left in the store: the new one ({@code created}) or the one that was
 * there already.
 */
public record Created<T>(T value, boolean created) {}
