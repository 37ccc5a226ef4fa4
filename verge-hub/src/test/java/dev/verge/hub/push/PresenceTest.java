package dev.verge.hub.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PresenceTest {
  private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");
  private final Presence presence = new Presence(Duration.ofMinutes(15));

  @Test
  void an_online_device_is_present_until_it_says_offline() {
    presence.online("dev-a", T0);
    presence.online("dev-b", T0);

    presence.offline("dev-a");

    assertThat(presence.current(T0.plusSeconds(60))).containsExactly("dev-b");
  }

  @Test
  void an_online_not_refreshed_within_the_maximum_age_stops_counting() {
    presence.online("dev-refreshing", T0);
    presence.online("dev-dead", T0); // Its will was lost with a killed broker.
    presence.online("dev-refreshing", T0.plus(Duration.ofMinutes(10)));

    assertThat(presence.current(T0.plus(Duration.ofMinutes(15))))
        .containsExactlyInAnyOrder("dev-refreshing", "dev-dead");
    assertThat(presence.current(T0.plus(Duration.ofMinutes(16)))).containsExactly("dev-refreshing");
    assertThat(presence.size()).isEqualTo(1);
  }

  @Test
  void a_device_heard_again_after_ageing_out_is_present_again() {
    presence.online("dev-a", T0);
    assertThat(presence.current(T0.plus(Duration.ofHours(1)))).isEmpty();

    presence.online("dev-a", T0.plus(Duration.ofHours(1)));

    assertThat(presence.current(T0.plus(Duration.ofHours(1)))).containsExactly("dev-a");
  }
}
