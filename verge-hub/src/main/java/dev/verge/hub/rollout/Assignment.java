package dev.verge.hub.rollout;

/**
 * A rollout that has given a device its version (or sends it back): one desired-state candidate.
 */
record Assignment(Rollout rollout, Member member) {}
