package dev.verge.hub.http;

/** Whose bearer token a route accepts. */
enum Access {
  /** The admin token. */
  ADMIN,
  /** The credential of the device named by the path's {@code {id}}. */
  DEVICE,
  /** The admin token or any device's credential. */
  ADMIN_OR_DEVICE,
  /** A one-time enrollment token, which the route's handler checks itself. */
  ENROLLMENT,
  /** The admin token, or none when the hub is configured to serve its metrics openly. */
  METRICS
}
