package dev.verge.http;

import dev.verge.core.api.ApiError;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * A running HTTP server on Jetty's core API (no servlets): routes each request through a {@link
 * RouteTable}, checks the route's {@link Guard}, runs the handler on a virtual thread, maps any
 * failure through {@link Problems} to a JSON {@link ApiError}, and tells the {@link
 * RequestObserver}. Clients that stop sending (headers or body) are closed after the idle time-out;
 * a handler that waits (a long poll) is not a slow client and is left alone.
 */
public final class HttpEdge implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(HttpEdge.class.getName());

  /**
   * Jetty announces every start and stop at INFO; Verge logs its own start line. Kept in a field:
   * java.util.logging holds loggers weakly and would forget the level. A configured level wins.
   */
  private static final java.util.logging.Logger JETTY = quietJetty();

  private static java.util.logging.Logger quietJetty() {
    java.util.logging.Logger jetty = java.util.logging.Logger.getLogger("org.eclipse.jetty");
    if (jetty.getLevel() == null) {
      jetty.setLevel(java.util.logging.Level.WARNING);
    }
    return jetty;
  }

  /**
   * How a server is set up.
   *
   * @param idleTimeout how long a connection may send nothing while a request is read (and how long
   *     an idle keep-alive connection stays open)
   * @param stopGrace how long {@link #close()} lets requests in flight finish
   * @param maxConcurrentRequests how many requests run at once (each on its own virtual thread);
   *     more wait their turn. A server that holds requests open (long polls) needs one per holder
   *     and more for everything else
   */
  public record Config(
      InetSocketAddress address,
      Limits limits,
      Duration idleTimeout,
      Duration stopGrace,
      FailureMapping failures,
      RequestObserver observer,
      int maxConcurrentRequests) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Jetty's own default, enough for a server that answers every request at once. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 200;

    public Config {
      if (maxConcurrentRequests < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentRequests must be 1 or more, got " + maxConcurrentRequests);
      }
    }

    public static Config of(InetSocketAddress address, Limits limits) {
      return new Config(
          address,
          limits,
          DEFAULT_IDLE_TIMEOUT,
          Duration.ofSeconds(1),
          FailureMapping.NONE,
          RequestObserver.NONE,
          DEFAULT_MAX_CONCURRENT_REQUESTS);
    }

    public Config failures(FailureMapping failures) {
      return new Config(
          address, limits, idleTimeout, stopGrace, failures, observer, maxConcurrentRequests);
    }

    public Config observer(RequestObserver observer) {
      return new Config(
          address, limits, idleTimeout, stopGrace, failures, observer, maxConcurrentRequests);
    }

    public Config idleTimeout(Duration idleTimeout) {
      return new Config(
          address, limits, idleTimeout, stopGrace, failures, observer, maxConcurrentRequests);
    }

    public Config maxConcurrentRequests(int max) {
      return new Config(address, limits, idleTimeout, stopGrace, failures, observer, max);
    }

    public Config stopGrace(Duration stopGrace) {
      return new Config(
          address, limits, idleTimeout, stopGrace, failures, observer, maxConcurrentRequests);
    }
  }

  /** Connections the kernel may hold for the server to accept. */
  static final int ACCEPT_QUEUE = 4096;

  private final Server server;
  private final GracefulHandler inFlight;
  private final Duration stopGrace;
  private final InetSocketAddress address;

  private HttpEdge(
      Server server, GracefulHandler inFlight, Duration stopGrace, InetSocketAddress address) {
    this.server = server;
    this.inFlight = inFlight;
    this.stopGrace = stopGrace;
    this.address = address;
  }

  /**
   * Starts serving {@code routes}.
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static HttpEdge start(Config config, RouteTable routes) {
    VirtualThreadPool threads = new VirtualThreadPool(config.maxConcurrentRequests());
    threads.setName("verge-http");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(config.address().getHostString());
    connector.setPort(config.address().getPort());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    // Jetty binds with a backlog of 0, which the JDK turns into 50 pending connections: a fleet
    // told of a change at once (push, a hub restart) opens thousands, and the rest were reset.
    // The kernel caps it at net.core.somaxconn.
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    server.addConnector(connector);
    // Counts requests in flight, so close() waits for those only: Jetty's own graceful stop also
    // waits for idle keep-alive connections, which took the whole grace on every close.
    GracefulHandler inFlight = new GracefulHandler(new Dispatch(config, routes));
    server.setHandler(inFlight);
    server.setErrorHandler(HttpEdge::protocolError);
    server.setStopTimeout(0);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // Failing already with the better message.
      }
      String where = config.address().getHostString() + ":" + config.address().getPort();
      throw new UncheckedIOException(
          "cannot serve on " + where + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    return new HttpEdge(
        server,
        inFlight,
        config.stopGrace(),
        new InetSocketAddress(config.address().getAddress(), connector.getLocalPort()));
  }

  /** The port it listens on, also after {@link #close()} (tests use it as a closed port). */
  public int port() {
    return address.getPort();
  }

  public InetSocketAddress address() {
    return address;
  }

  /** Stops accepting, lets requests in flight finish for the grace period, then stops them. */
  @Override
  public void close() {
    try {
      inFlight.shutdown().get(stopGrace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.log(
          System.Logger.Level.INFO,
          "requests still running after " + stopGrace.toMillis() + " ms; stopping them");
    } catch (ExecutionException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot wait for requests in flight: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      server.stop();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "cannot stop the HTTP server cleanly: " + e);
    }
  }

  /** Jetty's own refusals (a malformed request line, headers too large) in our error body. */
  private static boolean protocolError(Request request, Response response, Callback callback) {
    Object status =
        request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_STATUS);
    Object message =
        request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
    int code = status instanceof Integer i ? i : response.getStatus();
    String text = message == null ? "the request is malformed" : message.toString();
    byte[] body = Json.write(new ApiError(text, code >= 500 ? "INTERNAL" : "BAD_REQUEST"));
    // Jetty closes the connection after a request it could not parse: say so.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Body.JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /** Routes, guards, runs, maps failures and observes: every request goes through here. */
  private static final class Dispatch extends Handler.Abstract {
    private final Config config;
    private final RouteTable routes;

    Dispatch(Config config, RouteTable routes) {
      super(InvocationType.BLOCKING);
      this.config = config;
      this.routes = routes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Observed observed = new Observed(System.nanoTime());
      // A handler that waits without reading or writing (a long poll) is not an idle client.
      request.addIdleTimeoutListener(timeout -> false);
      String method = request.getMethod();
      String template = RequestObserver.NO_ROUTE;
      Exchange exchange = null;
      try {
        RouteTable.Match match = routes.find(method, request.getHttpURI().getPath());
        template = match.route().template();
        exchange = new Exchange(request, response, config.limits(), match.route(), match.params());
        Exchange answered = exchange;
        String route = template;
        // Observed before the last byte goes, so a client that saw the answer also finds it
        // counted (a metrics scrape right after a request, a test).
        exchange.onCompleting(() -> observed.observe(method, route, answered.status()));
        match.route().guard().check(exchange);
        match.route().handler().handle(exchange);
        if (!exchange.responded()) {
          throw new IllegalStateException(
              "the handler of " + method + " " + template + " sent no answer");
        }
        exchange.finish();
        callback.succeeded();
      } catch (Throwable failure) {
        String route = template;
        int status =
            fail(request, response, failure, code -> observed.observe(method, route, code));
        if (status == 0) {
          observed.observe(method, template, response.getStatus());
        }
        if (status > 0) {
          callback.succeeded();
        } else {
          callback.failed(failure);
        }
        if (failure instanceof Error e && !(e instanceof OutOfMemoryError)) {
          throw e;
        }
      }
      return true;
    }

    /** Answers the failure if nothing was sent yet; returns the status sent, 0 when too late. */
    private int fail(
        Request request,
        Response response,
        Throwable failure,
        java.util.function.IntConsumer beforeAnswer) {
      String what = request.getMethod() + " " + request.getHttpURI().getPath();
      if (response.isCommitted()) {
        // Mid-answer (a client that went away during a download): too late for an error body.
        LOG.log(System.Logger.Level.DEBUG, () -> what + " failed after answering: " + failure);
        return 0;
      }
      Problem problem = Problems.of(failure, config.failures());
      if (problem.serverFault()) {
        LOG.log(System.Logger.Level.ERROR, what + " failed", failure);
      } else {
        LOG.log(
            System.Logger.Level.DEBUG,
            () -> what + " -> " + problem.status() + ": " + problem.message());
      }
      try {
        response.reset();
        for (Map.Entry<String, String> header : problem.headers().entrySet()) {
          response.getHeaders().put(header.getKey(), header.getValue());
        }
        response.setStatus(problem.status());
        Exchange.closeIfUnread(request, response);
        byte[] body = Json.write(new ApiError(problem.message(), problem.code()));
        beforeAnswer.accept(problem.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Body.JSON);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (!request.getMethod().equals("HEAD")) {
          org.eclipse.jetty.io.Content.Sink.write(response, true, ByteBuffer.wrap(body));
        } else {
          org.eclipse.jetty.io.Content.Sink.write(response, true, ByteBuffer.allocate(0));
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> "cannot send the error for " + what + ": " + e);
      }
      return problem.status();
    }

    /** Tells the observer about one request, once. */
    private final class Observed {
      private final long started;
      private boolean done;

      Observed(long started) {
        this.started = started;
      }

      void observe(String method, String route, int status) {
        if (done) {
          return;
        }
        done = true;
        try {
          config
              .observer()
              .observe(
                  new RequestObserver.Observation(
                      method, route, status, Duration.ofNanos(System.nanoTime() - started)));
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "the request observer failed: " + e);
        }
      }
    }
  }
}
