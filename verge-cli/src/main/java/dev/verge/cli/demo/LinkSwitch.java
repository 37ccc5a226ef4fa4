package dev.verge.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay between one agent and the hub that the demo can cut: while off, open
 * connections are closed and new ones are accepted and closed at once, as a link that drops does,
 * so the agent sees the hub unreachable and must keep everything for later.
 */
final class LinkSwitch implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean up = true;
  private volatile boolean closed;

  private LinkSwitch(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
    this.acceptor = Thread.ofVirtual().name("demo-link").start(this::accept);
  }

  /** A relay to {@code hub} on a free loopback port, up. */
  static LinkSwitch to(URI hub) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    return new LinkSwitch(server, new InetSocketAddress(hub.getHost(), hub.getPort()));
  }

  /** The hub's URL through this relay. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Cuts the link: every open connection is closed, and new ones are dropped. */
  void down() {
    up = false;
    open.forEach(LinkSwitch::closeQuietly);
  }

  void up() {
    up = true;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // Closed.
      }
      if (!up) {
        closeQuietly(client);
        continue;
      }
      Thread.ofVirtual().start(() -> relay(client));
    }
  }

  private void relay(Socket client) {
    Socket hub = new Socket();
    open.add(client);
    open.add(hub);
    try {
      hub.connect(target, CONNECT_TIMEOUT_MS);
      Thread back = Thread.ofVirtual().start(() -> pipe(hub, client));
      pipe(client, hub);
      back.join();
    } catch (IOException e) {
      // The hub is gone or the link was cut: the agent sees a dropped connection.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(client);
      open.remove(hub);
      closeQuietly(client);
      closeQuietly(hub);
    }
  }

  private static void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // One side closed: the other follows.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
    open.forEach(LinkSwitch::closeQuietly);
    try {
      acceptor.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
