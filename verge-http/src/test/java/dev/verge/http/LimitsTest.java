package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LimitsTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void the_agents_256_mib_heap_allows_8_mib_of_json_and_32_mib_of_bytes() {
    Limits limits = Limits.forHeap(256 * MIB, 64 * MIB, 64 * MIB);

    assertThat(limits.jsonBytes()).isEqualTo(8 * MIB);
    assertThat(limits.bodyBytes()).isEqualTo(32 * MIB);
  }

  @Test
  void a_large_heap_keeps_the_caps() {
    Limits limits = Limits.forHeap(8192 * MIB, 16 * MIB, 64 * MIB);

    assertThat(limits.jsonBytes()).isEqualTo(16 * MIB);
    assertThat(limits.bodyBytes()).isEqualTo(64 * MIB);
  }
}
