package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PostgresServerTest {
  @Test
  void a_libpq_url_becomes_a_driver_url_without_its_credentials() {
    PostgresServer s =
        PostgresServer.parse(
            "postgresql://verge:s3cret@db.example:6432/fleet?sslmode=require", null, 4);

    assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6432/fleet?sslmode=require");
    assertThat(s.user()).isEqualTo("verge");
    assertThat(s.password()).isEqualTo("s3cret");
    assertThat(s.poolSize()).isEqualTo(4);
    assertThat(s.display()).isEqualTo("db.example:6432/fleet");
    assertThat(s.toString()).doesNotContain("s3cret");
  }

  @Test
  void the_port_defaults_to_5432_and_a_jdbc_prefix_and_encoded_characters_are_taken() {
    PostgresServer s =
        PostgresServer.parse("jdbc:postgresql://v%40rge:p%3Aw@localhost/hub", null, 1);

    assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/hub");
    assertThat(s.user()).isEqualTo("v@rge");
    assertThat(s.password()).isEqualTo("p:w");
  }

  @Test
  void a_password_given_apart_wins_over_the_urls() {
    assertThat(PostgresServer.parse("postgresql://u:old@h/db", "new", 1).password())
        .isEqualTo("new");
    assertThat(PostgresServer.parse("postgresql://u@h/db", null, 1).password()).isNull();
  }

  @Test
  void a_url_missing_its_user_host_or_database_is_refused_without_echoing_the_password() {
    assertThatThrownBy(() -> PostgresServer.parse("postgresql://h/db", null, 1))
        .hasMessageContaining("needs a user");
    assertThatThrownBy(() -> PostgresServer.parse("postgresql://u:hunter2@h", null, 1))
        .hasMessageContaining("names no database")
        .hasMessageContaining("u:***@h")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> PostgresServer.parse("postgresql://u:hunter2@/db", null, 1))
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> PostgresServer.parse("mysql://u@h/db", null, 1))
        .hasMessageContaining("postgresql://user@host");
  }

  @Test
  void redact_hides_only_the_password() {
    assertThat(PostgresServer.redact("postgresql://u:pw@h:1/db"))
        .isEqualTo("postgresql://u:***@h:1/db");
    assertThat(PostgresServer.redact("postgresql://u@h/db")).isEqualTo("postgresql://u@h/db");
    assertThat(PostgresServer.redact("sqlite")).isEqualTo("sqlite");
  }
}
