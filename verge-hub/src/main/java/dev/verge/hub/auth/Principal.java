package dev.verge.hub.auth;

/** Who a bearer token belongs to. */
public sealed interface Principal {
  /** The operator, holding the admin token. */
  record Admin() implements Principal {}

  /** An enrolled device, holding its own credential. */
  record Device(String deviceId) implements Principal {}
}
