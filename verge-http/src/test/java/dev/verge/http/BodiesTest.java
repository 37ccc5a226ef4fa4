package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BodiesTest {
  @Test
  void a_declared_body_is_read_whole_in_one_array_of_its_size() throws IOException {
    byte[] body = random(100_000);

    byte[] read = Bodies.declared(trickle(body, 777), body.length, "a body");

    assertThat(read).isEqualTo(body);
  }

  @Test
  void a_declared_body_larger_than_the_first_allocation_grows_to_exactly_its_size()
      throws IOException {
    byte[] body = random(Bodies.FIRST_ALLOCATION * 2 + 12_345);

    byte[] read = Bodies.declared(trickle(body, 64 * 1024), body.length, "a body");

    assertThat(read).hasSize(body.length).isEqualTo(body);
  }

  @Test
  void a_body_that_ends_before_its_declared_length_is_400_naming_both_lengths() {
    byte[] body = random(1000);

    assertThatThrownBy(() -> Bodies.declared(trickle(body, 100), 1500, "an infer request"))
        .isInstanceOf(HttpFailure.BadRequest.class)
        .hasMessage("an infer request ended after 1000 of its declared 1500 bytes");
  }

  @Test
  void an_empty_declared_body_is_an_empty_array() throws IOException {
    assertThat(Bodies.declared(InputStream.nullInputStream(), 0, "a body")).isEmpty();
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  /** A stream that hands out at most {@code chunk} bytes a read, as a socket does. */
  private static InputStream trickle(byte[] bytes, int chunk) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] buffer, int offset, int length) {
        return super.read(buffer, offset, Math.min(length, chunk));
      }
    };
  }
}
