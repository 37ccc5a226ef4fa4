package dev.verge.bench.servers;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** The JDK's com.sun.net.httpserver, one virtual thread per exchange (what Verge used). */
public final class JdkServer {
  public static void main(String[] args) throws IOException {
    long start = System.nanoTime();
    HttpServer server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", JdkServer::handle);
    server.start();
    Work.started("jdk", start);
  }

  private static void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body =
          exchange.getRequestMethod().equals("POST")
              ? Work.infer(exchange.getRequestBody())
              : Work.READY;
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }
}
