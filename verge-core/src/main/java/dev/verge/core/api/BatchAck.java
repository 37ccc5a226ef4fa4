package dev.verge.core.api;

/**
 * The hub's answer to a batch: how many records it stored now, and whether it had the key already.
 */
public record BatchAck(int accepted, boolean duplicate) {}
