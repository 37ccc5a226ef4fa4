package dev.verge.bench.serve;

import java.net.URI;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A server in a process of its own called over loopback HTTP with the Open Inference Protocol's
 * infer route, measured with wrk.
 */
final class OverHttp implements Contender {
  private final String key;
  private final String column;
  private final ServerProcess server;
  private final Wrk wrk;
  private final AutoCloseable owner;

  /**
   * @param owner what started the server, closed with it
   */
  OverHttp(String key, String column, ServerProcess server, Wrk wrk, AutoCloseable owner) {
    this.key = key;
    this.column = column;
    this.server = server;
    this.wrk = wrk;
    this.owner = owner;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String column() {
    return column;
  }

  @Override
  public boolean encodes() {
    return true;
  }

  URI base() {
    return server.url();
  }

  private URI infer(BenchModel model) {
    return server.url().resolve("/v2/models/" + model.name() + "/infer");
  }

  @Override
  public float[] answer(BenchModel model, int batch, Tensors tensors) throws Exception {
    return Answers.infer(infer(model), Body.of(model, batch, tensors));
  }

  @Override
  public Measurement measure(Case c, Duration warmup, Duration duration) throws Exception {
    server.requireAlive();
    Measurement m =
        wrk.post(
            infer(c.model()),
            Body.of(c.model(), c.batch(), c.tensors()),
            c.connections(),
            warmup,
            duration);
    server.requireAlive();
    return m;
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(server.pid());
  }

  @Override
  public void close() throws Exception {
    owner.close();
  }
}
