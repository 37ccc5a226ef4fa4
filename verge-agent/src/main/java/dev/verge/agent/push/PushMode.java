package dev.verge.agent.push;

/** Whether the agent hears desired-state changes pushed over MQTT (setting {@code push}). */
public enum PushMode {
  /** Asks the hub for push access at start; polls when the hub pushes nothing or push is down. */
  AUTO,
  /** Never asks: the agent long-polls, as before push. */
  OFF
}
