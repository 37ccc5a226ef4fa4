package dev.verge.bench.serve;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * One way of calling the models, measured side by side with the others: a column of the table.
 *
 * <p>To add one: implement this with a load client of its own that keeps {@link Case#connections()}
 * calls in flight (as {@link OverGrpc} does for the agent's gRPC door), return the server process's
 * id from {@link #pid()}, and add it to {@link ServeBench#contenders}. The output check, the table
 * and the memory figures need nothing more.
 */
interface Contender extends AutoCloseable {
  /** The key {@code --contenders} selects it by. */
  String key();

  /** Its column heading. */
  String column();

  /**
   * Whether its figures depend on {@link Case#tensors()}; in-process calls carry no encoding, so
   * they are measured once per model, batch and connections.
   */
  boolean encodes();

  /** The output of one call on {@code model}'s standard input at {@code batch}, for the check. */
  float[] answer(BenchModel model, int batch, Tensors tensors) throws Exception;

  /** Warms up for {@code warmup}, then measures {@code duration} of closed-loop calls. */
  Measurement measure(Case c, Duration warmup, Duration duration) throws Exception;

  /** The server process whose resident memory the table shows; empty when it runs in this JVM. */
  OptionalLong pid();

  @Override
  void close() throws Exception;
}
