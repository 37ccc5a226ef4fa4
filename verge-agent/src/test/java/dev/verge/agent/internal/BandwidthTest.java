package dev.verge.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class BandwidthTest {
  @Test
  void unlimited_wraps_nothing() throws Exception {
    InputStream in = new ByteArrayInputStream(new byte[10]);
    OutputStream out = new ByteArrayOutputStream();
    assertThat(Bandwidth.of(0)).isSameAs(Bandwidth.UNLIMITED);
    assertThat(Bandwidth.UNLIMITED.throttle(in)).isSameAs(in);
    assertThat(Bandwidth.UNLIMITED.throttle(out)).isSameAs(out);
    Bandwidth.UNLIMITED.acquire(Long.MAX_VALUE);
  }

  @Test
  void a_capped_read_passes_every_byte_and_takes_at_least_its_share_of_time() throws Exception {
    byte[] data = new byte[300_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    Bandwidth cap = Bandwidth.of(200_000);
    long started = System.nanoTime();
    byte[] read;
    try (InputStream in = cap.throttle(new ByteArrayInputStream(data))) {
      read = in.readAllBytes();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(read).isEqualTo(data);
    // The first second's worth passes at once, the other 100 kB at 200 kB/s.
    assertThat(seconds).isGreaterThanOrEqualTo(0.45);
  }

  @Test
  void writes_share_the_cap_with_reads() throws Exception {
    Bandwidth cap = Bandwidth.of(100_000);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    long started = System.nanoTime();
    try (OutputStream out = cap.throttle(sink)) {
      out.write(new byte[100_000]);
    }
    try (InputStream in = cap.throttle(new ByteArrayInputStream(new byte[50_000]))) {
      in.readAllBytes();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(sink.size()).isEqualTo(100_000);
    assertThat(seconds).isGreaterThanOrEqualTo(0.45);
  }

  @Test
  void the_bucket_refills_with_time_and_holds_at_most_a_second() throws Exception {
    long[] now = {0};
    Bandwidth cap = Bandwidth.of(1_000, () -> now[0]);
    cap.acquire(1_000); // the full bucket: no wait
    now[0] += 5_000_000_000L; // 5 s later the bucket holds one second's worth, not five
    long started = System.nanoTime();
    cap.acquire(1_000);
    assertThat((System.nanoTime() - started) / 1e6).isLessThan(500);
  }

  @Test
  void a_negative_cap_is_refused() {
    assertThatThrownBy(() -> Bandwidth.of(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1 bytes/s");
  }
}
