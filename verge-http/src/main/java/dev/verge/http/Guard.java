package dev.verge.http;

/**
 * Who may call a route. {@link #check} runs before the handler and throws the server's own failure
 * (mapped like any other) to refuse; {@link #description} goes into the OpenAPI document.
 */
public interface Guard {
  /** Short name for documentation, such as {@code admin}. */
  String name();

  /** Who may call, in words. */
  String description();

  /** Whether the route needs an {@code Authorization: Bearer} token. */
  boolean bearer();

  void check(Exchange exchange);

  /** Anyone who can reach the socket (the agent's loopback API). */
  Guard OPEN =
      new Guard() {
        @Override
        public String name() {
          return "open";
        }

        @Override
        public String description() {
          return "anyone who can reach the server";
        }

        @Override
        public boolean bearer() {
          return false;
        }

        @Override
        public void check(Exchange exchange) {}
      };
}
