package dev.verge.bench.servers;

import io.helidon.webserver.WebServer;

/** Helidon SE 4 webserver, virtual threads (its only mode). */
public final class HelidonServer {
  public static void main(String[] args) {
    long start = System.nanoTime();
    WebServer.builder()
        .host("127.0.0.1")
        .port(Integer.parseInt(args[0]))
        .routing(
            r ->
                r.get("/*", (req, res) -> res.header("Content-Type", "application/json").send(Work.READY))
                    .post(
                        "/*",
                        (req, res) ->
                            res.header("Content-Type", "application/json")
                                .send(Work.infer(req.content().inputStream()))))
        .build()
        .start();
    Work.started("helidon", start);
  }
}
