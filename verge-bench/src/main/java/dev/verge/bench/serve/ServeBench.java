package dev.verge.bench.serve;

import dev.verge.agent.capture.CapturePolicy;
import dev.verge.bench.Folders;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code verge bench serve}: the agent's serving path side by side with what a user would run
 * instead, in one run, on the same models and inputs. Contenders: ONNX Runtime's Java API
 * in-process ({@code ort}), the agent's in-process API ({@code agent-local}), a real agent process
 * over loopback HTTP with JSON or binary tensors ({@code agent-http}) and the same process over
 * KServe v2 gRPC with raw contents ({@code agent-grpc}), and onnxruntime-node behind Node's {@code
 * http} module ({@code node}). Every contender's outputs are checked against ONNX Runtime's before
 * anything is timed. Prints a markdown table and writes it to a file.
 */
@Command(
    name = "verge bench serve",
    usageHelpAutoWidth = true,
    description = "Serving throughput, latency and memory: the agent against its alternatives.")
public final class ServeBench implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  /** How much longer a cell with too few answers is measured again. */
  static final int LONGER = 4;

  static final List<String> CONTENDERS =
      List.of("ort", "agent-local", "agent-http", "agent-grpc", "node");

  @Option(
      names = "--verge",
      paramLabel = "FILE",
      description =
          "The distribution's bin/verge, which starts the agent (./verge bench serve passes it).")
  Path launcher;

  @Option(
      names = "--contenders",
      split = ",",
      paramLabel = "KEY",
      description =
          "Which to measure, of ort, agent-local, agent-http, agent-grpc, node (default: all).")
  List<String> contenders = CONTENDERS;

  @Option(
      names = "--models",
      split = ",",
      paramLabel = "NAME",
      description = "Of tabular, mnist, cnn (default: all).")
  List<String> models = List.of("tabular", "mnist", "cnn");

  @Option(names = "--batches", split = ",", paramLabel = "N", description = "Default: 1,64.")
  List<Integer> batches = List.of(1, 64);

  @Option(
      names = "--connections",
      split = ",",
      paramLabel = "N",
      description =
          "Concurrent callers: HTTP or gRPC connections, or threads in-process (default: 1,16).")
  List<Integer> connections = List.of(1, 16);

  @Option(
      names = "--tensors",
      split = ",",
      paramLabel = "ENCODING",
      description = "Over HTTP: json, binary (default: both).")
  List<String> tensors = List.of("json", "binary");

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Measured seconds per contender and case (default: ${DEFAULT-VALUE}).")
  int duration = 3;

  @Option(
      names = "--warmup",
      paramLabel = "SECONDS",
      description = "Unmeasured seconds before each (default: ${DEFAULT-VALUE}).")
  int warmup = 1;

  @Option(
      names = "--server-warmup",
      paramLabel = "SECONDS",
      description =
          "Unmeasured seconds each contender first spends on all of its cases, shared among them,"
              + " so that a JIT has compiled every path before the first cell is timed"
              + " (default: ${DEFAULT-VALUE}).")
  int serverWarmup = 12;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "ONNX Runtime threads per model run, the same for every contender; 0 lets it choose"
              + " (default: ${DEFAULT-VALUE}, the agent's own default).")
  int threads = 1;

  @Option(
      names = "--node-cache",
      paramLabel = "DIR",
      description =
          "Where onnxruntime-node is installed from npm (default: ~/.cache/verge/bench-serve-node).")
  Path nodeCache = Path.of(System.getProperty("user.home"), ".cache", "verge", "bench-serve-node");

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "The results file (default: target/bench-serve/results-<UTC time>.md).")
  Path out;

  /** Model files, bodies, the servers' data: a temporary folder, deleted at the end. */
  private Path work;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ServeBench());
    cli.setOverwrittenOptionsAllowed(true);
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    // The hub and the in-process agent log each start at INFO; keep the output readable.
    Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    Selection selection = select();
    Instant started = Instant.now();
    String loadBefore = loadAverage();
    work = Files.createTempDirectory("verge-bench-serve-");
    try (OnnxEngine engine = new OnnxEngine(new EngineOptions(threads, 1))) {
      List<Contender> running = new ArrayList<>();
      Map<String, String> versions = new LinkedHashMap<>();
      try {
        start(selection, engine, work, running, versions);
        Results results = measure(selection, running, versions, started, loadBefore);
        String markdown = results.markdown();
        System.out.println(markdown);
        Path file = out != null ? out : defaultOut(started);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, markdown);
        System.err.println("bench serve: results written to " + file);
        return 0;
      } finally {
        for (int i = running.size() - 1; i >= 0; i--) {
          try {
            running.get(i).close();
          } catch (Exception e) {
            System.err.println("bench serve: closing " + running.get(i).key() + ": " + e);
          }
        }
      }
    } finally {
      Folders.deleteTree(work);
    }
  }

  /** What the options ask for, checked before anything starts. */
  record Selection(
      List<String> contenders,
      List<BenchModel> models,
      List<Integer> batches,
      List<Integer> connections,
      List<Tensors> tensors) {}

  Selection select() {
    for (String key : contenders) {
      if (!CONTENDERS.contains(key)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--contenders: '" + key + "' is none of " + CONTENDERS);
      }
    }
    Map<String, BenchModel> known = new LinkedHashMap<>();
    BenchModels.all().forEach(m -> known.put(m.name(), m));
    List<BenchModel> chosen = new ArrayList<>();
    for (String name : models) {
      BenchModel model = known.get(name);
      if (model == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--models: '" + name + "' is none of " + known.keySet());
      }
      chosen.add(model);
    }
    List<Tensors> encodings = new ArrayList<>();
    for (String name : tensors) {
      try {
        encodings.add(Tensors.valueOf(name.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--tensors: '" + name + "' is neither json nor binary");
      }
    }
    for (int n : batches) {
      positive("--batches", n);
    }
    for (int n : connections) {
      positive("--connections", n);
    }
    positive("--duration", duration);
    if (warmup < 0 || serverWarmup < 0 || threads < 0) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--warmup, --server-warmup and --threads must be 0 or more");
    }
    if ((contenders.contains("agent-http") || contenders.contains("agent-grpc"))
        && launcher == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "agent-http and agent-grpc need --verge, the distribution's bin/verge"
              + " (./verge bench serve passes it)");
    }
    if ((contenders.contains("agent-http") || contenders.contains("node")) && !Wrk.available()) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "the HTTP contenders are driven with wrk, which is not on PATH (apt-get install wrk),"
              + " or measure the others alone: --contenders ort,agent-local,agent-grpc");
    }
    return new Selection(
        contenders.stream()
            .distinct()
            .sorted(Comparator.comparingInt(CONTENDERS::indexOf))
            .toList(),
        chosen,
        batches,
        connections,
        encodings);
  }

  private void positive(String option, int n) {
    if (n < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), option + " must be 1 or more, got " + n);
    }
  }

  /**
   * Starts the selected contenders into {@code running}, in the table's order. The agent over HTTP
   * and over gRPC are one agent process, started once, with its gRPC door open when agent-grpc is
   * selected.
   */
  private void start(
      Selection selection,
      OnnxEngine engine,
      Path work,
      List<Contender> running,
      Map<String, String> versions)
      throws Exception {
    Wrk wrk = new Wrk(work);
    List<BenchModel> served = selection.models();
    AgentServer agent = null;
    for (String key : selection.contenders()) {
      System.err.println("bench serve: starting " + key);
      switch (key) {
        case "ort" -> {
          OrtInProcess ort = new OrtInProcess(served, threads);
          versions.put("ONNX Runtime (Java)", ort.version());
          running.add(ort);
        }
        case "agent-local" ->
            running.add(
                new AgentInProcess(engine, served, Files.createDirectories(work.resolve("local"))));
        case "agent-http", "agent-grpc" -> {
          if (agent == null) {
            agent =
                AgentServer.start(
                    launcher,
                    engine,
                    served,
                    threads,
                    selection.contenders().contains("agent-grpc"),
                    Files.createDirectories(work.resolve("agent")));
          }
          running.add(
              key.equals("agent-http")
                  ? new OverHttp("agent-http", "agent over HTTP", agent.process(), wrk, agent)
                  : new OverGrpc(
                      "agent-grpc",
                      "agent over gRPC (raw contents)",
                      agent.process(),
                      agent.grpcPort().orElseThrow(),
                      agent));
        }
        case "node" -> {
          String version = ortVersion();
          NodePeer.install(nodeCache, version);
          versions.put("onnxruntime-node", version + " on Node " + nodeVersion());
          ServerProcess node =
              NodePeer.start(
                  nodeCache, served, threads, Files.createDirectories(work.resolve("node")));
          running.add(new OverHttp("node", "onnxruntime-node over HTTP", node, wrk, node));
        }
        default -> throw new IllegalStateException("no contender " + key);
      }
    }
  }

  private Results measure(
      Selection selection,
      List<Contender> running,
      Map<String, String> versions,
      Instant started,
      String loadBefore)
      throws Exception {
    // By process: the HTTP and gRPC contenders share the agent's.
    Map<Long, List<Contender>> processes = new LinkedHashMap<>();
    for (Contender c : running) {
      c.pid().ifPresent(pid -> processes.computeIfAbsent(pid, p -> new ArrayList<>()).add(c));
    }
    Map<Long, Memory> idle = new HashMap<>();
    processes.keySet().forEach(pid -> idle.put(pid, Memory.of(pid)));
    List<String> checked = checkOutputs(selection, running);
    Wrk wrk = new Wrk(work);
    List<String> notes = new ArrayList<>();
    notes.add(
        "`verge bench serve` "
            + DateTimeFormatter.ISO_INSTANT.format(
                started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
            + ": "
            + Runtime.getRuntime().availableProcessors()
            + " cores, load average "
            + loadBefore
            + " at the start; Java "
            + Runtime.version()
            + "; "
            + versions.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()
            + "; "
            + duration
            + " s measured after "
            + warmup
            + " s of warm-up per cell, after "
            + serverWarmup
            + " s of warm-up per contender over all its cells (a cell with fewer than "
            + Results.FEW
            + " answers is measured again for "
            + LONGER
            + "× as long); ONNX Runtime threads per run: "
            + (threads == 0 ? "its choice" : threads)
            + "; the agents capture predictions as a device's agent does by default (outputs of"
            + " every request, up to "
            + CapturePolicy.DEFAULT.maxRate()
            + " records a second per model, committed in groups).");
    notes.add("");
    notes.add("Outputs checked before timing: " + String.join("; ", checked) + ".");
    // The readiness ceilings first: run after the warm-up, their GETs left the agent's infer path
    // to be compiled again during the first cell (it ran at a third of its speed).
    Map<String, Measurement> ceilings = ceilings(selection, running, wrk);
    warmUp(selection, running);

    List<Results.Row> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, Measurement> inProcess = new HashMap<>();
    int total = countCells(selection, running);
    int done = 0;
    Duration warm = Duration.ofSeconds(warmup);
    Duration measured = Duration.ofSeconds(duration);
    for (BenchModel model : selection.models()) {
      for (int batch : selection.batches()) {
        for (int conns : selection.connections()) {
          for (Tensors encoding : selection.tensors()) {
            Case c = new Case(model, batch, conns, encoding);
            Map<String, Measurement> figures = new LinkedHashMap<>();
            for (Contender contender : running) {
              String once = contender.key() + "/" + model.name() + "/" + batch + "/" + conns;
              Measurement m = contender.encodes() ? null : inProcess.get(once);
              if (m == null) {
                done++;
                try {
                  m = contender.measure(c, warm, measured);
                  if (m.requests() < Results.FEW) {
                    // A heavy case: too few answers for a p99; the first try was its warm-up.
                    m = contender.measure(c, Duration.ZERO, measured.multipliedBy(LONGER));
                  }
                } catch (InterruptedException e) {
                  throw e;
                } catch (Exception e) {
                  // One failed cell costs that cell, not the run; the notes say what happened.
                  String failure =
                      contender.key()
                          + " failed on "
                          + describe(c, contender)
                          + ": "
                          + e.getMessage();
                  System.err.println("bench serve: " + failure);
                  failures.add(failure);
                  continue;
                }
                if (!contender.encodes()) {
                  inProcess.put(once, m);
                }
                System.err.printf(
                    Locale.ROOT,
                    "bench serve [%d/%d] %s, %s: %s%n",
                    done,
                    total,
                    describe(c, contender),
                    contender.key(),
                    Results.cell(m, batch));
              }
              figures.put(contender.key(), m);
            }
            rows.add(new Results.Row(c, figures));
          }
        }
      }
    }
    List<Results.MemoryRow> memory = new ArrayList<>();
    processes.forEach(
        (pid, served) ->
            memory.add(
                new Results.MemoryRow(
                    String.join(" and ", served.stream().map(Contender::column).toList()),
                    idle.get(pid),
                    Memory.of(pid))));
    if (!ceilings.isEmpty()) {
      notes.add("");
      List<String> remote =
          running.stream()
              .filter(c -> c instanceof OverHttp || c instanceof OverGrpc)
              .map(Contender::key)
              .toList();
      notes.add(ceilingNote(ceilings, rows, remote));
    }
    for (String failure : failures) {
      notes.add("");
      notes.add("Not measured: " + failure);
    }
    notes.add("");
    notes.add("Load average at the end: " + loadAverage() + ".");
    List<Results.Column> columns =
        running.stream().map(c -> new Results.Column(c.key(), c.column())).toList();
    return new Results(notes, columns, rows, memory);
  }

  /**
   * Runs every case each contender will be timed on, unmeasured, for {@code --server-warmup}
   * seconds in all: a JVM server compiles a path only after thousands of calls on it, and without
   * this the first cells of a run timed the agent's interpreter and C1 code against a warm peer.
   */
  private void warmUp(Selection selection, List<Contender> running) throws Exception {
    if (serverWarmup == 0) {
      return;
    }
    for (Contender contender : running) {
      List<Case> cases = new ArrayList<>();
      for (BenchModel model : selection.models()) {
        for (int batch : selection.batches()) {
          for (int conns : selection.connections()) {
            for (Tensors encoding :
                contender.encodes() ? selection.tensors() : List.of(Tensors.JSON)) {
              cases.add(new Case(model, batch, conns, encoding));
            }
          }
        }
      }
      Duration each =
          Duration.ofMillis(Math.max(200, serverWarmup * 1000L / Math.max(1, cases.size())));
      System.err.println(
          "bench serve: warming " + contender.key() + " up on " + cases.size() + " cases");
      for (Case c : cases) {
        try {
          contender.measure(c, Duration.ZERO, each);
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          // The timed cell will fail the same way and say so in the notes.
          System.err.println("bench serve: warming up " + contender.key() + ": " + e.getMessage());
        }
      }
    }
  }

  /**
   * The load generators' ceiling: wrk against each HTTP server's trivial readiness route (an empty
   * 200), the gRPC client's {@code ServerReady}, at each connection count. Far above the infer
   * figures, it shows the load generator is not what limits them.
   */
  private Map<String, Measurement> ceilings(Selection selection, List<Contender> running, Wrk wrk)
      throws Exception {
    Map<String, Measurement> ceilings = new LinkedHashMap<>();
    for (Contender c : running) {
      if (c instanceof OverHttp http) {
        for (int conns : selection.connections()) {
          Measurement m =
              wrk.get(http.base().resolve("/v2/health/ready"), conns, Duration.ofSeconds(duration));
          ceilings.put(
              c.column() + ", " + conns + (conns == 1 ? " connection" : " connections"), m);
        }
      } else if (c instanceof OverGrpc grpc) {
        for (int conns : selection.connections()) {
          Measurement m = grpc.ready(conns, Duration.ofSeconds(duration));
          ceilings.put(
              c.column() + ", " + conns + (conns == 1 ? " connection" : " connections"), m);
        }
      }
    }
    return ceilings;
  }

  static String ceilingNote(
      Map<String, Measurement> ceilings, List<Results.Row> rows, List<String> remote) {
    double highest = 0;
    for (Results.Row row : rows) {
      for (String key : remote) {
        Measurement m = row.figures().get(key);
        if (m != null) {
          highest = Math.max(highest, m.requestsPerSecond());
        }
      }
    }
    StringBuilder note =
        new StringBuilder(
            "Load generator check, wrk GET of each HTTP server's readiness route (an empty 200),"
                + " the gRPC client's ServerReady: ");
    List<String> parts = new ArrayList<>();
    ceilings.forEach(
        (what, m) ->
            parts.add(
                String.format(
                    Locale.ROOT,
                    "%s %,.0f requests/s (p50 %s)",
                    what,
                    m.requestsPerSecond(),
                    Results.latency(m.p50Micros()))));
    note.append(String.join("; ", parts));
    note.append(
        String.format(
            Locale.ROOT,
            ". The most requests/s of any infer cell over HTTP or gRPC: %,.0f.",
            highest));
    return note.toString();
  }

  private static String describe(Case c, Contender contender) {
    return c.model().name()
        + " batch "
        + c.batch()
        + ", "
        + c.connections()
        + (c.connections() == 1 ? " connection" : " connections")
        + (contender.encodes() ? ", " + c.tensors().label() : "");
  }

  private static int countCells(Selection s, List<Contender> running) {
    int combos = s.models().size() * s.batches().size() * s.connections().size();
    int cells = 0;
    for (Contender c : running) {
      cells += c.encodes() ? combos * s.tensors().size() : combos;
    }
    return cells;
  }

  /**
   * Every contender against the first one's answer (ONNX Runtime's, when it runs), for every model,
   * batch and encoding; throws naming the first disagreement.
   */
  private static List<String> checkOutputs(Selection selection, List<Contender> running)
      throws Exception {
    List<String> summary = new ArrayList<>();
    if (running.isEmpty()) {
      return summary;
    }
    Contender reference = running.get(0);
    for (BenchModel model : selection.models()) {
      double max = 0;
      int compared = 0;
      for (int batch : selection.batches()) {
        float[] expected = reference.answer(model, batch, Tensors.JSON);
        for (Contender contender : running) {
          for (Tensors encoding :
              contender.encodes() ? selection.tensors() : List.of(Tensors.JSON)) {
            float[] actual = contender.answer(model, batch, encoding);
            String what =
                contender.key()
                    + " on "
                    + model.name()
                    + ", batch "
                    + batch
                    + (contender.encodes() ? ", " + encoding.label() : "");
            OutputCheck.mismatch(what, expected, actual)
                .ifPresent(
                    m -> {
                      throw new IllegalStateException(
                          "the contenders disagree, so nothing is timed: " + m);
                    });
            max = Math.max(max, OutputCheck.maxDifference(expected, actual));
            compared++;
          }
        }
      }
      summary.add(
          String.format(
              Locale.ROOT,
              "%s: %d answers agree with %s's, largest difference %.1e",
              model.name(),
              compared,
              reference.key(),
              max));
    }
    return summary;
  }

  private static String ortVersion() {
    return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
  }

  private static String nodeVersion() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes()).strip();
      p.waitFor();
      return v;
    } catch (IOException e) {
      return "(unknown: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(unknown)";
    }
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Path defaultOut(Instant started) {
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
    return Path.of("target", "bench-serve", "results-" + stamp + ".md");
  }
}
