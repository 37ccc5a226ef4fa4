package dev.verge.hub.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The hub's HTTP server: the JDK's server, one virtual thread per exchange. */
public final class HubServer implements AutoCloseable {
  private static final int STOP_DELAY_SECONDS = 2;

  private final HttpServer server;
  private final ExecutorService executor;

  private HubServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static HubServer start(InetSocketAddress address, HubServices services) {
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", new HubApi(services));
    server.start();
    return new HubServer(server, executor);
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops accepting, lets running exchanges finish for a moment, then stops them. */
  @Override
  public void close() {
    server.stop(STOP_DELAY_SECONDS);
    executor.shutdownNow();
    try {
      executor.awaitTermination(STOP_DELAY_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
