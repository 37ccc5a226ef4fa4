package dev.verge.agent.serving;

import java.net.InetSocketAddress;

/**
 * Another way into the serving core besides REST, opened by the agent when configured and provided
 * by a module on the class path (found with {@link java.util.ServiceLoader}), so that the agent
 * pays for a protocol's libraries only when it uses them.
 */
public interface Door extends AutoCloseable {
  /** The port it listens on (useful with port 0). */
  int port();

  /** Stops accepting calls, lets the calls in flight finish briefly, then stops. */
  @Override
  void close();

  /** Opens one kind of door; listed in {@code META-INF/services}. */
  interface Factory {
    /** The protocol it speaks, for example {@code grpc}. */
    String protocol();

    /**
     * Starts serving {@code models} on {@code address}, with local control through {@code
     * repository} (the REST door's model repository extension) while it is bound to loopback.
     *
     * @throws java.io.UncheckedIOException naming the address when it cannot be bound
     */
    Door open(InetSocketAddress address, LocalModels models, ModelRepository repository);
  }
}
