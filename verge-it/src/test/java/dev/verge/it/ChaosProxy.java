package dev.verge.it;

import dev.verge.core.api.ApiPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of the hub whose behaviour the test sets at any moment: pass bytes
 * through, or drop, delay, truncate, stall or reset connections. The fault in force applies to
 * connections being opened and to every byte of the open ones, so a stretch of faults hits
 * downloads and uploads in their middle. Listens on 127.0.0.1 only and forwards only to the
 * upstream it was given. Apart from those faults it can stall the bodies of bundle downloads alone
 * ({@link #stallDownloadsAfter}), the stall a sync loop must survive while it goes on reporting.
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
  private final AtomicLong rangeRequests = new AtomicLong();
  private final AtomicLong downloadStalls = new AtomicLong();

  /**
   * Body bytes that answers to bundle downloads may still pass, shared by all of them; -1: no
   * limit. Past it their bodies stall (their headers pass), whatever {@link #fault} says.
   */
  private final AtomicLong downloadAllowance = new AtomicLong(-1);

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

  /**
   * Stalls bundle downloads mid-body, and only them: once {@code bodyBytes} of download bodies have
   * passed (all downloads together), no further byte of one moves, while polls, reports and
   * forwarding flow. A negative value lifts the stall: held bytes move again.
   */
  void stallDownloadsAfter(long bodyBytes) {
    downloadAllowance.set(bodyBytes < 0 ? -1 : bodyBytes);
  }

  /** Download requests that asked for a Range (a resumed download). */
  long rangeRequests() {
    return rangeRequests.get();
  }

  /** Chunks of download bodies held by {@link #stallDownloadsAfter}. */
  long downloadStalls() {
    return downloadStalls.get();
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
    Exchange exchange = new Exchange();
    Thread.ofVirtual().start(() -> pump(client, hub, exchange, true));
    pump(hub, client, exchange, false);
  }

  /** What one connection carries now: HTTP/1.1, one request at a time (the agent's client). */
  private static final class Exchange {
    /** The request in flight is a bundle download. */
    volatile boolean download;

    /** The answer's headers have not all passed yet. */
    volatile boolean inHeaders;
  }

  /** Reads a request's first line from the chunk that starts it. */
  private void request(byte[] buffer, int n, Exchange exchange) {
    String head = new String(buffer, 0, Math.min(n, 1024), StandardCharsets.ISO_8859_1);
    int space = head.indexOf(' ');
    if (space < 3 || !head.substring(0, space).chars().allMatch(Character::isUpperCase)) {
      return; // a body's chunk, not a new request
    }
    int eol = head.indexOf("\r\n");
    String line = eol < 0 ? head : head.substring(0, eol);
    exchange.download = line.contains(ApiPaths.BUNDLES);
    exchange.inHeaders = true;
    if (exchange.download && head.toLowerCase(Locale.ROOT).contains("\r\nrange: bytes=")) {
      rangeRequests.incrementAndGet();
    }
  }

  /**
   * Writes a chunk of an answer; a download's body only as far as {@link #downloadAllowance} lets
   * it, then waits (the stall) until the allowance is lifted or the proxy closes.
   */
  private void answer(OutputStream out, byte[] buffer, int n, Exchange exchange)
      throws IOException {
    int free = n;
    if (exchange.download && exchange.inHeaders) {
      int end = indexOf(buffer, n, HEADERS_END);
      if (end >= 0) {
        free = end + HEADERS_END.length;
        exchange.inHeaders = false;
      }
    } else if (exchange.download) {
      free = 0;
    }
    int off = 0;
    if (free > 0) {
      out.write(buffer, 0, free);
      off = free;
    }
    boolean counted = false;
    while (off < n && open) {
      long left = downloadAllowance.get();
      int take = n - off;
      if (left == 0) {
        if (!counted) {
          downloadStalls.incrementAndGet();
          counted = true;
        }
        out.flush();
        sleep(50);
        continue;
      }
      if (left > 0) {
        take = (int) Math.min(take, left);
        if (!downloadAllowance.compareAndSet(left, left - take)) {
          continue;
        }
      }
      out.write(buffer, off, take);
      off += take;
    }
    out.flush();
    bytes.addAndGet(n);
  }

  private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

  private static int indexOf(byte[] buffer, int n, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= n; i++) {
      for (int j = 0; j < what.length; j++) {
        if (buffer[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Copies {@code from} to {@code to} chunk by chunk, applying the fault in force to each. */
  private void pump(Socket from, Socket to, Exchange exchange, boolean toHub) {
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
        if (toHub) {
          request(buffer, n, exchange);
          out.write(buffer, 0, n);
          out.flush();
          bytes.addAndGet(n);
        } else {
          answer(out, buffer, n, exchange);
        }
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
