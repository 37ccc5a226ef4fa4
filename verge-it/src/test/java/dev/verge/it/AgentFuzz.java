package dev.verge.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends {@link FuzzRequests} to a server on loopback over raw sockets, several connections at once,
 * and judges every answer: a connection closed without an answer (other than after a body the
 * client cut short), an answer of 500 or more, no answer within the time-out, or a malformed answer
 * is a failure, kept with its seed and index so it can be sent again alone.
 */
final class AgentFuzz {
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);
  private static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_BODY = 64 * 1024 * 1024;
  private static final int KEPT_FAILURES = 50;
  private static final Duration PROGRESS_EVERY = Duration.ofMinutes(1);

  /** A request that was not answered as it must be. */
  record Failure(long index, String kind, String problem, String sample) {}

  /**
   * What a run saw.
   *
   * @param cutAnswered bodies the client cut short that were answered (the rest were closed)
   * @param silentCloses keep-alive connections the server closed after an answer without saying so
   *     ({@code Connection: close}); the next request went on a new connection
   */
  record Report(
      long seed,
      long requests,
      Duration took,
      Map<Integer, Long> byStatus,
      Map<String, Long> byKind,
      Map<String, Long> meanMicrosByKind,
      long cut,
      long cutAnswered,
      long silentCloses,
      long failureCount,
      List<Failure> failures) {

    double perSecond() {
      return requests / Math.max(1e-9, took.toNanos() / 1e9);
    }

    long status(int from, int to) {
      return byStatus.entrySet().stream()
          .filter(e -> e.getKey() >= from && e.getKey() <= to)
          .mapToLong(Map.Entry::getValue)
          .sum();
    }
  }

  private final int port;
  private final FuzzRequests requests;
  private final long seed;
  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byKind = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> nanosByKind = new ConcurrentHashMap<>();
  private final LongAdder cut = new LongAdder();
  private final LongAdder cutAnswered = new LongAdder();
  private final LongAdder silentCloses = new LongAdder();
  private final LongAdder failureCount = new LongAdder();
  private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

  AgentFuzz(int port, long seed) {
    this.port = port;
    this.seed = seed;
    this.requests = new FuzzRequests(seed);
  }

  /**
   * Sends requests {@code 0 .. count-1} over {@code connections} connections, stopping early at
   * {@code maxTime}.
   */
  Report run(long count, int connections, Duration maxTime) throws InterruptedException {
    AtomicLong next = new AtomicLong();
    long started = System.nanoTime();
    long deadline = started + maxTime.toNanos();
    List<Thread> workers = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Thread worker =
          Thread.ofPlatform()
              .name("fuzz-" + c)
              .start(
                  () -> {
                    Connection connection = new Connection();
                    try {
                      for (long i; (i = next.getAndIncrement()) < count; ) {
                        if (System.nanoTime() > deadline) {
                          next.addAndGet(-1);
                          break;
                        }
                        send(connection, i);
                      }
                    } finally {
                      connection.close();
                    }
                  });
      workers.add(worker);
    }
    Thread progress =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try {
                    while (true) {
                      Thread.sleep(PROGRESS_EVERY.toMillis());
                      long done = Math.min(next.get(), count);
                      System.err.printf(
                          Locale.ROOT,
                          "fuzz: %,d requests, %,.0f/s, %d failures, resident %.0f MiB%n",
                          done,
                          done / ((System.nanoTime() - started) / 1e9),
                          failureCount.sum(),
                          FuzzedAgent.Memory.resident() / (1024.0 * 1024));
                    }
                  } catch (InterruptedException e) {
                    // The run is over.
                  }
                });
    for (Thread worker : workers) {
      worker.join();
    }
    progress.interrupt();
    long sent = Math.min(next.get(), count);
    Map<Integer, Long> statuses = new TreeMap<>();
    byStatus.forEach((k, v) -> statuses.put(k, v.sum()));
    Map<String, Long> kinds = new TreeMap<>();
    byKind.forEach((k, v) -> kinds.put(k, v.sum()));
    Map<String, Long> micros = new TreeMap<>();
    nanosByKind.forEach((k, v) -> micros.put(k, v.sum() / 1000 / Math.max(1, kinds.get(k))));
    List<Failure> kept;
    synchronized (failures) {
      kept = List.copyOf(failures);
    }
    return new Report(
        seed,
        sent,
        Duration.ofNanos(System.nanoTime() - started),
        statuses,
        kinds,
        micros,
        cut.sum(),
        cutAnswered.sum(),
        silentCloses.sum(),
        failureCount.sum(),
        kept);
  }

  /** Sends request {@code index} alone, as a replay of a finding does. */
  int replay(long index) {
    Connection connection = new Connection();
    try {
      return exchange(connection, requests.get(index));
    } catch (IOException e) {
      return 0;
    } finally {
      connection.close();
    }
  }

  private void send(Connection connection, long index) {
    FuzzRequests.Request request = requests.get(index);
    byKind.computeIfAbsent(request.kind(), k -> new LongAdder()).increment();
    long started = System.nanoTime();
    int status;
    String problem = null;
    try {
      status = exchange(connection, request);
      if (status == 0 && !request.cut()) {
        problem = "the connection closed without an answer";
      }
    } catch (SocketTimeoutException e) {
      status = -1;
      problem = "no answer within " + ANSWER_TIMEOUT.toSeconds() + " s";
      connection.close();
    } catch (IOException e) {
      status = 0;
      problem = request.cut() ? null : "the connection broke without an answer: " + e;
      connection.close();
    } catch (MalformedAnswer | NumberFormatException e) {
      status = -2;
      problem = "malformed answer: " + e.getMessage();
      connection.close();
    }
    if (request.cut()) {
      cut.increment();
      if (status > 0) {
        cutAnswered.increment();
      }
    }
    if (status >= 500) {
      problem = "answered " + status;
    }
    byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
    nanosByKind
        .computeIfAbsent(request.kind(), k -> new LongAdder())
        .add(System.nanoTime() - started);
    if (problem != null) {
      failureCount.increment();
      if (failures.size() < KEPT_FAILURES) {
        failures.add(new Failure(index, request.kind(), problem, request.sample()));
      }
    }
  }

  /** Sends one request and reads its answer; 0 when the server closed without one. */
  private int exchange(Connection connection, FuzzRequests.Request request) throws IOException {
    if (request.cut()) {
      try (Socket socket = open()) {
        OutputStream out = socket.getOutputStream();
        out.write(head(request, true));
        out.write(request.body());
        out.flush();
        socket.shutdownOutput();
        Answer answer = read(socket.getInputStream(), request.method());
        return answer == null ? 0 : answer.status();
      }
    }
    boolean reused = connection.socket != null;
    Socket socket = connection.socket();
    Answer answer = sendOn(socket, request);
    if (answer == null && reused) {
      // Closed after the previous answer without saying so: try once on a new connection.
      silentCloses.increment();
      connection.close();
      answer = sendOn(connection.socket(), request);
    }
    if (answer == null || answer.close()) {
      connection.close();
    }
    return answer == null ? 0 : answer.status();
  }

  private Answer sendOn(Socket socket, FuzzRequests.Request request) throws IOException {
    OutputStream out = socket.getOutputStream();
    try {
      out.write(head(request, false));
      out.write(request.body());
      out.flush();
    } catch (IOException e) {
      // The server answered (a 413, a 431) and closed before the whole request went: read it.
    }
    return read(socket.getInputStream(), request.method());
  }

  private byte[] head(FuzzRequests.Request request, boolean close) {
    StringBuilder head = new StringBuilder();
    head.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1\r\n");
    if (close) {
      head.append("Connection: close\r\n");
    }
    if (request.declaredLength() >= 0) {
      head.append("Content-Length: ").append(request.declaredLength()).append("\r\n");
    }
    request.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private Socket open() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
    socket.setTcpNoDelay(true);
    return socket;
  }

  /** One status line, headers and body; null when the stream ended before a status line. */
  private record Answer(int status, boolean close) {}

  private static final class MalformedAnswer extends RuntimeException {
    MalformedAnswer(String message) {
      super(message);
    }
  }

  private static Answer read(InputStream in, String method) throws IOException {
    byte[] head = readHead(in);
    if (head == null) {
      return null;
    }
    String text = new String(head, StandardCharsets.ISO_8859_1);
    if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
      throw new MalformedAnswer("status line " + text.lines().findFirst().orElse(""));
    }
    int status;
    try {
      status = Integer.parseInt(text.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new MalformedAnswer("status line " + text.lines().findFirst().orElse(""));
    }
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    for (String line : text.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.contains("chunked");
        case "connection" -> close = value.contains("close");
        default -> {}
      }
    }
    boolean noBody = method.equals("HEAD") || status == 204 || status == 304 || status < 200;
    try {
      if (noBody) {
        return new Answer(status, close);
      }
      if (chunked) {
        readChunked(in);
      } else if (length >= 0) {
        if (length > MAX_BODY) {
          throw new MalformedAnswer("a body of " + length + " bytes");
        }
        in.readNBytes((int) length);
      } else {
        in.readNBytes(MAX_BODY);
        close = true;
      }
    } catch (EOFException e) {
      throw new MalformedAnswer("the answer ended inside its body");
    }
    return new Answer(status, close);
  }

  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int window = 0;
    while (window != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new MalformedAnswer("the answer ended inside its head");
      }
      head.write(b);
      window = (window << 8) | b;
      if (head.size() > MAX_HEAD) {
        throw new MalformedAnswer("a head longer than " + MAX_HEAD + " bytes");
      }
    }
    return head.toByteArray();
  }

  private static void readChunked(InputStream in) throws IOException {
    while (true) {
      String line = readLine(in);
      int size = Integer.parseInt(line.split(";")[0].strip(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // Trailers.
        }
        return;
      }
      in.readNBytes(size);
      readLine(in);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new EOFException();
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  /** A worker's keep-alive connection, opened when needed. */
  private final class Connection {
    private Socket socket;

    Socket socket() throws IOException {
      if (socket == null) {
        socket = open();
      }
      return socket;
    }

    void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException e) {
          // Closing after a failure: nothing left to do.
        }
        socket = null;
      }
    }
  }
}
