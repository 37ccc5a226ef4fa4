package dev.verge.hub.http;

import dev.verge.http.Exchange;
import dev.verge.http.Guard;
import dev.verge.hub.HubException;
import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.auth.Principal;

/** Whose bearer token a route accepts; each guard checks before the handler runs. */
final class Access {
  private Access() {}

  /** The admin token. */
  static Guard admin(Authenticator auth) {
    return guard(
        "admin",
        "the admin token",
        auth,
        (principal, exchange) -> {
          if (principal instanceof Principal.Device d) {
            throw new HubException.NotPermitted(
                "device "
                    + d.deviceId()
                    + " cannot use the management API; it takes the admin token");
          }
        });
  }

  /** The credential of the device named by the path's {@code {id}}. */
  static Guard device(Authenticator auth) {
    return guard(
        "device",
        "the credential of the device the path names",
        auth,
        (principal, exchange) -> {
          String id = exchange.param("id");
          switch (principal) {
            case Principal.Admin a ->
                throw new HubException.NotPermitted(
                    "the admin token cannot act as device "
                        + id
                        + "; use that device's credential");
            case Principal.Device d when !d.deviceId().equals(id) ->
                throw new HubException.NotPermitted(
                    "the credential of device " + d.deviceId() + " cannot act for device " + id);
            case Principal.Device d -> {}
          }
        });
  }

  /** The admin token or any device's credential. */
  static Guard adminOrDevice(Authenticator auth) {
    return guard(
        "admin-or-device", "the admin token or any device's credential", auth, (p, e) -> {});
  }

  /** A one-time enrollment token as the bearer, which the enrollment itself checks. */
  static final Guard ENROLLMENT =
      new Guard() {
        @Override
        public String name() {
          return "enrollment";
        }

        @Override
        public String description() {
          return "a one-time enrollment token as the bearer token";
        }

        @Override
        public boolean bearer() {
          return true;
        }

        @Override
        public void check(Exchange exchange) {}
      };

  private interface Rule {
    void check(Principal principal, Exchange exchange);
  }

  private static Guard guard(String name, String description, Authenticator auth, Rule rule) {
    return new Guard() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return description;
      }

      @Override
      public boolean bearer() {
        return true;
      }

      @Override
      public void check(Exchange exchange) {
        Principal principal = auth.authenticate(exchange.header("Authorization"));
        exchange.principal(principal);
        rule.check(principal, exchange);
      }
    };
  }
}
