package dev.verge.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of the hub whose behaviour the test sets at any moment: pass bytes
 * through, or drop, delay, truncate, stall or reset connections. The fault in force applies to
 * connections being opened and to every byte of the open ones, so a stretch of faults hits
 * downloads and uploads in their middle. Listens on 127.0.0.1 only and forwards only to the
 * upstream it was given.
 */
final class ChaosProxy implements AutoCloseable {
  enum Fault {
    /** Bytes flow as they come. */
    PASS,
    /** New connections closed at once; open ones closed at their next chunk. */
    DROP,
    /** Each chunk of up to 4 KiB waits 50-500 ms. */
    DELAY,
    /** An open connection forwards half of its next chunk, then closes. */
    TRUNCATE,
    /** No byte moves while it lasts; connections stay open. */
    STALL,
    /** Connections reset (TCP RST), new and open ones. */
    RESET
  }

  private static final int CHUNK = 4096;

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Map<Fault, AtomicLong> hits = new EnumMap<>(Fault.class);
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile Fault fault = Fault.PASS;
  private volatile boolean open = true;

  ChaosProxy(URI upstream) throws IOException {
    this.upstream = new InetSocketAddress(upstream.getHost(), upstream.getPort());
    for (Fault f : Fault.values()) {
      hits.put(f, new AtomicLong());
    }
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().name("chaos-accept").daemon().start(this::accept);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  void fault(Fault value) {
    fault = value;
  }

  long connections() {
    return connections.get();
  }

  long bytes() {
    return bytes.get();
  }

  /** How many connections each fault broke (PASS: none; DELAY and STALL: chunks held). */
  Map<Fault, Long> hits() {
    Map<Fault, Long> copy = new EnumMap<>(Fault.class);
    hits.forEach((f, n) -> copy.put(f, n.get()));
    return copy;
  }

  private void accept() {
    while (open) {
      try {
        Socket client = server.accept();
        connections.incrementAndGet();
        Thread.ofVirtual().start(() -> connect(client));
      } catch (IOException e) {
        if (open) {
          sleep(10);
        }
      }
    }
  }

  private void connect(Socket client) {
    sockets.add(client);
    Fault now = fault;
    if (now == Fault.DROP || now == Fault.RESET) {
      hits.get(now).incrementAndGet();
      close(client, now == Fault.RESET);
      return;
    }
    Socket hub = new Socket();
    sockets.add(hub);
    try {
      hub.connect(upstream, 2_000);
      hub.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
    } catch (IOException e) {
      close(client, true);
      close(hub, false);
      return;
    }
    Thread.ofVirtual().start(() -> pump(client, hub));
    pump(hub, client);
  }

  /** Copies {@code from} to {@code to} chunk by chunk, applying the fault in force to each. */
  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[CHUNK];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        Fault now = fault;
        while (now == Fault.STALL && open) {
          hits.get(now).incrementAndGet();
          sleep(50);
          now = fault;
        }
        switch (now) {
          case DROP, RESET -> {
            hits.get(now).incrementAndGet();
            close(from, now == Fault.RESET);
            close(to, now == Fault.RESET);
            return;
          }
          case TRUNCATE -> {
            hits.get(now).incrementAndGet();
            out.write(buffer, 0, n / 2);
            out.flush();
            close(from, false);
            close(to, false);
            return;
          }
          case DELAY -> {
            hits.get(now).incrementAndGet();
            sleep(50 + (long) (Math.random() * 450));
          }
          case PASS, STALL -> {}
        }
        out.write(buffer, 0, n);
        out.flush();
        bytes.addAndGet(n);
      }
      // One side finished sending: pass the half-close on.
      to.shutdownOutput();
    } catch (IOException e) {
      close(from, false);
      close(to, false);
    }
  }

  private void close(Socket socket, boolean reset) {
    try {
      if (reset && !socket.isClosed()) {
        socket.setSoLinger(true, 0);
      }
      socket.close();
    } catch (IOException e) {
      // Closing a socket the other side already broke.
    }
    sockets.remove(socket);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    open = false;
    server.close();
    sockets.forEach(s -> close(s, false));
  }
}
