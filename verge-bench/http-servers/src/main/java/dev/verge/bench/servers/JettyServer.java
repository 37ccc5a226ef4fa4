package dev.verge.bench.servers;

import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/** Jetty 12 core handler (no servlets); "virtual" as second argument for its VirtualThreadPool. */
public final class JettyServer {
  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    Server server =
        args.length > 1 && args[1].equals("virtual")
            ? new Server(new VirtualThreadPool())
            : new Server(new QueuedThreadPool());
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(Integer.parseInt(args[0]));
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            byte[] body =
                request.getMethod().equals("POST")
                    ? Work.infer(Content.Source.asInputStream(request))
                    : Work.READY;
            response.getHeaders().put("Content-Type", "application/json");
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
          }
        });
    server.start();
    Work.started("jetty", start);
    server.join();
  }
}
