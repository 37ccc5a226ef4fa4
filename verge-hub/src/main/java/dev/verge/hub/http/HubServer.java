package dev.verge.hub.http;

import dev.verge.http.HttpEdge;
import dev.verge.http.Limits;
import dev.verge.http.RequestObserver;
import dev.verge.http.RouteTable;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The hub's HTTP server: its route table on the shared HTTP edge. */
public final class HubServer implements AutoCloseable {
  /** JSON bodies (batches of predictions, reports) stay small; bundles stream to disk. */
  static final long MAX_JSON_BYTES = 16L * 1024 * 1024;

  private static final Duration STOP_GRACE = Duration.ofSeconds(2);

  /**
   * Requests the hub runs at once. Every device's long poll holds one for up to a minute, so this
   * bounds the devices that can wait at once with room left for reports, downloads and the
   * management API; Jetty's default of 200 starved all of them from the 201st waiting device on.
   */
  public static final int MAX_CONCURRENT_REQUESTS = 10_000;

  private final HttpEdge edge;

  private HubServer(HttpEdge edge) {
    this.edge = edge;
  }

  public static HubServer start(InetSocketAddress address, HubServices services) {
    return start(address, services, HttpEdge.Config.DEFAULT_IDLE_TIMEOUT, RequestObserver.NONE);
  }

  /**
   * @param idleTimeout how long a client may send nothing while its request is read
   * @param observer sees every request (route template, method, status, duration)
   */
  public static HubServer start(
      InetSocketAddress address,
      HubServices services,
      Duration idleTimeout,
      RequestObserver observer) {
    String version = HubServer.class.getPackage().getImplementationVersion();
    HubApi api = new HubApi(services, version == null ? "development" : version);
    RouteTable routes = api.routes();
    HttpEdge.Config config =
        HttpEdge.Config.of(address, Limits.forThisHeap(MAX_JSON_BYTES, MAX_JSON_BYTES))
            .idleTimeout(idleTimeout)
            .stopGrace(STOP_GRACE)
            .failures(new HubFailures())
            .observer(observer)
            .maxConcurrentRequests(MAX_CONCURRENT_REQUESTS);
    return new HubServer(HttpEdge.start(config, routes));
  }

  public InetSocketAddress address() {
    return edge.address();
  }

  /** Stops accepting, lets running exchanges finish for a moment, then stops them. */
  @Override
  public void close() {
    edge.close();
  }
}
