package dev.verge.agent.sync;

import dev.verge.agent.internal.Bandwidth;
import java.util.Objects;

/**
 * How one request body goes up the link: gzip-compressed or not, and held to a cap.
 *
 * @param compress whether to send the body gzip-compressed when it is large enough to gain
 * @param cap the bandwidth the body's bytes are held to
 */
public record Upload(boolean compress, Bandwidth cap) {
  /** As it is, at the link's speed. */
  public static final Upload PLAIN = new Upload(false, Bandwidth.UNLIMITED);

  /** Bodies below this go as they are: gzip's header and the CPU would gain nothing. */
  public static final int MIN_COMPRESSED_BYTES = 1024;

  public Upload {
    Objects.requireNonNull(cap, "cap");
  }

  /** The same cap, uncompressed. */
  public Upload uncompressed() {
    return compress ? new Upload(false, cap) : this;
  }
}
