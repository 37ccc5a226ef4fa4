package dev.verge.agent.sync;

/**
 * Whether the hub's desired-state changes reach this device pushed (over MQTT) right now. While one
 * does, the sync loop asks the hub only when woken ({@link SyncLoop#wake()}) or as a rare safety
 * net, instead of holding a long poll open; when not, it long-polls as before.
 */
@FunctionalInterface
public interface PushChannel {
  /** No push: the loop long-polls. */
  PushChannel NONE = () -> false;

  /** True only while subscribed to the device's desired-state topic. */
  boolean connected();
}
