package dev.verge.hub.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MosquittoHashTest {
  /** Written by Debian's mosquitto_passwd 2.0.11: {@code mosquitto_passwd -b file dev-1 '...'}. */
  private static final String BY_MOSQUITTO_PASSWD =
      "$7$101$kBmjtIN4HY+vW5dl$VoMGzaCgvWdiZswZJQR86HeWLDTfzmV6zn6Z57SS+laZgpExYC8rvf4RdDjKjP4YsGUrRP55I82T9QESn3nkCw==";

  @Test
  void the_hash_is_the_one_mosquitto_passwd_writes_for_the_same_salt() {
    byte[] salt = Base64.getDecoder().decode("kBmjtIN4HY+vW5dl");

    assertThat(MosquittoHash.hash("correct horse battery staple", salt, 101))
        .isEqualTo(BY_MOSQUITTO_PASSWD);
    assertThat(MosquittoHash.matches("correct horse battery staple", BY_MOSQUITTO_PASSWD)).isTrue();
    assertThat(MosquittoHash.matches("correct horse battery stapler", BY_MOSQUITTO_PASSWD))
        .isFalse();
  }

  @Test
  void each_password_and_salt_is_new_and_the_hash_never_holds_the_password() {
    MosquittoHash hashes = new MosquittoHash(new SecureRandom());
    String password = hashes.newPassword();
    String hash = hashes.hash(password);

    assertThat(password).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(hashes.newPassword()).isNotEqualTo(password);
    assertThat(hash).startsWith("$7$101$").doesNotContain(password);
    assertThat(hashes.hash(password)).isNotEqualTo(hash);
    assertThat(MosquittoHash.matches(password, hash)).isTrue();
  }
}
