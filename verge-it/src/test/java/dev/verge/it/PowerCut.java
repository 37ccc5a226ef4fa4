package dev.verge.it;

import dev.verge.http.Exposition;
import dev.verge.hub.Hub;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Power cuts: the distribution's agent runs in a small virtual machine (qemu; the host's Debian
 * kernel, a busybox initramfs, the host's {@code /usr} and the distribution shared read-only over
 * 9p, the data folder on an ext4 file system on a virtio disk) and the machine is killed with
 * SIGKILL at a random moment under load. The guest's page cache dies with it, so writes the agent
 * did not sync are really lost. After each cut the disk is checked as the next boot finds it
 * (e2fsck replays the journal; the store and its WAL are copied out with debugfs): {@code PRAGMA
 * integrity_check}, no acknowledged {@code sync}-mode prediction lost, {@code buffered} losses only
 * the tail of what was answered ({@link Ledger#holes}: the records not committed yet, never one
 * before a kept one), and how long before the cut they were answered, beside the capture lag the
 * agent reported ({@link #lossBound}). The next boot must serve a valid model. The guest reaches
 * only the hub's port (qemu user networking with {@code restrict=on} and one {@code guestfwd}).
 *
 * <p>The host's KVM here is a PVM module that boots only PVM guest kernels, so the machine runs
 * under qemu's TCG emulator: slow (the agent takes 2-3 min to start), but just as real a cut.
 */
final class PowerCut {
  static final Duration BOOT_LIMIT = Duration.ofMinutes(8);

  /**
   * What the agent said of its capture just before a cut, from its {@code /metrics}: the longest
   * its recent commits' oldest records had waited ({@code verge_agent_capture_lag_seconds_max}) and
   * the longest recent commit ({@code verge_agent_capture_commit_duration_seconds_max}). The
   * emulated guest commits in 0.1-0.6 s, so no fixed window holds across cuts.
   */
  record Capture(long lagMillis, long commitMillis) {}

  /**
   * @param lossWindowMillis how long before the cut the earliest lost record was answered; 0 when
   *     none was lost
   * @param boundMillis the most it may be ({@link #lossBound})
   */
  record Cut(
      int index,
      String mode,
      int acknowledged,
      int lost,
      long lossWindowMillis,
      long boundMillis,
      String integrity,
      long bootMillis) {}

  /**
   * How long before a {@code buffered} cut its lost records should have been answered, by the
   * agent's own figures: the records of the commit under way were answered within the capture lag,
   * as those of the recent commits were, with one more commit's time for a commit slower than
   * those. Reported beside what a cut lost, not asserted: a commit in flight at the cut can stall
   * longer than any the agent had finished (the emulated guest's one CPU busy elsewhere), so no
   * time measured before the cut bounds it. What is asserted is the promise in records: only the
   * tail is lost ({@link Ledger#holes}).
   */
  static long lossBound(Capture capture) {
    return capture.lagMillis() + capture.commitMillis();
  }

  private PowerCut() {}

  static boolean run(Path root, int cuts, long seed, PrintStream log) throws Exception {
    long began = System.nanoTime();
    Random random = new Random(seed);
    String kernel = kernelVersion();
    if (!System.getProperty("java.home").startsWith("/usr/")) {
      throw new IllegalStateException(
          "the guest sees the host's /usr only: run with a JDK under /usr (JAVA_HOME)");
    }
    Path work = Files.createDirectories(root.resolve("vm"));
    Path ctl = Files.createDirectories(work.resolve("ctl"));
    Path initrd = work.resolve("initrd.gz");
    Path disk = work.resolve("disk.img");
    Path initramfs = work.resolve("initramfs.sh");
    Files.writeString(initramfs, INITRAMFS);
    exec(List.of("bash", initramfs.toString(), kernel, initrd.toString()), Duration.ofMinutes(2));
    exec(List.of("truncate", "-s", "512M", disk.toString()), Duration.ofSeconds(30));
    exec(List.of("mkfs.ext4", "-q", "-F", disk.toString()), Duration.ofMinutes(1));
    Files.writeString(ctl.resolve("guest.sh"), GUEST);
    Path dist = Installed.archive().home;
    Ledger sync = new Ledger();
    Ledger buffered = new Ledger();
    List<Cut> results = new ArrayList<>();
    Set<String> lostBefore = new HashSet<>();
    List<String> failures = new ArrayList<>();
    try (Fleet fleet = new Fleet(root);
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
      Fleet.Publisher publisher = fleet.publisher("faults", true);
      Files.copy(publisher.publicKey(), ctl.resolve("trust.pub"));
      KillSuite.publish(fleet, publisher, 1, 64 * 1024, random);
      fleet.deploy(Load.MODEL, 1, KillSuite.LABELS);
      String metricsToken = Long.toHexString(random.nextLong()) + Long.toHexString(seed);
      Files.writeString(ctl.resolve("metrics.token"), metricsToken);
      Files.writeString(
          ctl.resolve("enroll.token"),
          fleet.admin.createEnrollmentToken(86_400L, "power cut").token());
      Path hubStore = root.resolve("hub").resolve(Hub.DATABASE_FILE);
      trainStart(work, dist, fleet, http, metricsToken, log);
      for (int cut = 1; cut <= cuts + 1; cut++) {
        boolean last = cut > cuts;
        String mode = cut % 2 == 1 ? "sync" : "buffered";
        Files.writeString(ctl.resolve("mode"), mode + "\n");
        int port = freePort();
        long boot = System.nanoTime();
        Process vm = qemu(work, dist, port, fleet.hub.url().getPort(), cut);
        try {
          URI agent = URI.create("http://127.0.0.1:" + port);
          long version;
          try {
            version = Load.validAnswer(http, agent, BOOT_LIMIT);
          } catch (AssertionError e) {
            failures.add("boot " + cut + ": no valid model: " + e.getMessage());
            break;
          }
          long bootMillis = (System.nanoTime() - boot) / 1_000_000;
          if (last) {
            log.printf("boot %d: serving v%d after %d ms%n", cut, version, bootMillis);
            // Once up again, the device forwards what it kept: every sync record reaches the hub.
            long deadline = System.nanoTime() + BOOT_LIMIT.toNanos();
            Ledger.Check atHub = sync.checkHub(Ledger.hubStore(hubStore));
            while (!atHub.lost().isEmpty() && System.nanoTime() < deadline) {
              Thread.sleep(1_000);
              atHub = sync.checkHub(Ledger.hubStore(hubStore));
            }
            log.printf("at the hub after the last boot: sync %s%n", atHub);
            if (!atHub.clean()) {
              failures.add("after the last boot, at the hub: sync " + atHub);
            }
            break;
          }
          Ledger ledger = mode.equals("sync") ? sync : buffered;
          int before = ledger.size();
          long cutAt;
          Capture capture;
          try (Load load = new Load(ledger, "p" + seed + "-" + cut, 2)) {
            load.target(agent);
            Thread.sleep(1_000 + random.nextInt(9_000));
            try {
              capture = capture(http, agent, metricsToken);
            } catch (IOException | RuntimeException e) {
              failures.add("cut " + cut + ": no capture lag from the agent's /metrics: " + e);
              break;
            }
            // Not right after the scrape: its work in the guest's one CPU holds the writer back.
            Thread.sleep(1_000 + random.nextInt(2_000));
            cutAt = System.nanoTime();
            vm.destroyForcibly();
            vm.waitFor(30, TimeUnit.SECONDS);
            load.target(null);
          }
          Ledger.Store device = afterCut(work, disk);
          Ledger.Check check = ledger.check(device, Ledger.hubStore(hubStore));
          // What this cut lost: a buffered record an earlier cut lost stays lost in the ledger.
          List<String> lostNow =
              check.lost().stream().filter(id -> !lostBefore.contains(id)).toList();
          lostBefore.addAll(lostNow);
          Cut result =
              new Cut(
                  cut,
                  mode,
                  ledger.size() - before,
                  lostNow.size(),
                  ledger.earliestBefore(lostNow, cutAt),
                  lossBound(capture),
                  device.integrity(),
                  bootMillis);
          results.add(result);
          log.printf(
              "cut %d/%d %s: booted to serving in %d ms, %d acknowledged, store %s, lost %d"
                  + " (answered within %d ms of the cut; the agent's capture lag %d ms and commit"
                  + " %d ms: %d ms)%n",
              cut,
              cuts,
              mode,
              bootMillis,
              result.acknowledged(),
              device.integrity(),
              result.lost(),
              result.lossWindowMillis(),
              capture.lagMillis(),
              capture.commitMillis(),
              result.boundMillis());
          if (!device.intact()) {
            failures.add("cut " + cut + ": store " + device.integrity());
          }
          if (!check.duplicated().isEmpty()) {
            failures.add("cut " + cut + ": " + check);
          }
          if (mode.equals("sync") && !check.lost().isEmpty()) {
            failures.add("cut " + cut + " (sync): " + check);
          }
          List<String> holes = ledger.holes(lostNow, "p" + seed + "-" + cut);
          if (!holes.isEmpty()) {
            failures.add(
                "cut "
                    + cut
                    + " (buffered): lost records before kept ones, not only the tail: "
                    + holes.stream().limit(5).toList());
          }
        } finally {
          vm.destroyForcibly();
          vm.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
    log.printf(
        "the agent's JVM died on its own (restarted as its service would be): %d times%n",
        supervisorRestarts(ctl));
    log.printf(
        "power cut: %d cuts, seed %d; sync: %d acknowledged, %d lost; buffered: %d acknowledged,"
            + " %d lost, each cut's the tail of its answers, answered within %d ms of their cut"
            + " (%d of %d buffered cuts past the agent's lag and a commit, %d-%d ms); boot to"
            + " serving mean %d ms; %d s in all%n",
        results.size(),
        seed,
        sync.size(),
        results.stream().filter(c -> c.mode().equals("sync")).mapToLong(Cut::lost).sum(),
        buffered.size(),
        results.stream().filter(c -> c.mode().equals("buffered")).mapToLong(Cut::lost).sum(),
        results.stream().mapToLong(Cut::lossWindowMillis).max().orElse(0),
        results.stream()
            .filter(c -> c.mode().equals("buffered") && c.lossWindowMillis() > c.boundMillis())
            .count(),
        results.stream().filter(c -> c.mode().equals("buffered")).count(),
        results.stream()
            .filter(c -> c.mode().equals("buffered"))
            .mapToLong(Cut::boundMillis)
            .min()
            .orElse(0),
        results.stream()
            .filter(c -> c.mode().equals("buffered"))
            .mapToLong(Cut::boundMillis)
            .max()
            .orElse(0),
        (long) results.stream().mapToLong(Cut::bootMillis).average().orElse(0),
        (System.nanoTime() - began) / 1_000_000_000);
    log.printf("failures: %d %s%n", failures.size(), failures);
    return failures.isEmpty() && results.size() == cuts;
  }

  /**
   * Boot 0, not a cut: the agent enrolls and serves under load for a few seconds, then stops
   * cleanly with a JDK AOT cache recorded ({@code -XX:AOTCacheOutput}: the classes it loaded and
   * linked and its methods' profiles), which every later boot starts from. Under emulation that
   * cuts the agent's start (a JVM starting, not the part a cut tests); without a cache every boot
   * just starts the long way.
   */
  private static void trainStart(
      Path work, Path dist, Fleet fleet, HttpClient http, String metricsToken, PrintStream log)
      throws Exception {
    Path ctl = work.resolve("ctl");
    Files.writeString(ctl.resolve("mode"), "sync\n");
    Files.writeString(ctl.resolve("train"), "");
    long began = System.nanoTime();
    int port = freePort();
    Process vm = qemu(work, dist, port, fleet.hub.url().getPort(), 0);
    try {
      URI agent = URI.create("http://127.0.0.1:" + port);
      try {
        Load.validAnswer(http, agent, BOOT_LIMIT);
      } catch (AssertionError e) {
        log.println("boot 0: no valid answer, so no start cache: " + e.getMessage());
        return;
      }
      try (Load load = new Load(new Ledger(), "train", 2)) {
        load.target(agent);
        Thread.sleep(5_000);
        // Each cut reads the agent's metrics first: their code in the cache too.
        for (int i = 0; i < 3; i++) {
          try {
            capture(http, agent, metricsToken);
          } catch (IOException | RuntimeException e) {
            log.println("boot 0: /metrics did not answer: " + e);
          }
        }
        load.target(null);
      }
      Files.writeString(ctl.resolve("stop"), "");
      if (!vm.waitFor(BOOT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.println("boot 0: the agent did not stop and write its start cache in time");
      }
    } finally {
      vm.destroyForcibly();
      vm.waitFor(30, TimeUnit.SECONDS);
      Files.deleteIfExists(ctl.resolve("train"));
      Files.deleteIfExists(ctl.resolve("stop"));
    }
    Path cache = ctl.resolve("agent.aot");
    log.printf(
        "boot 0 (enroll, serve, stop): %d s; %s%n",
        (System.nanoTime() - began) / 1_000_000_000,
        Files.exists(cache)
            ? "start cache " + Files.size(cache) / (1024 * 1024) + " MiB"
            : "no start cache (the agent-train log says why); boots start without one");
  }

  /** How often the guest's loop found the agent exited and started it again. */
  /** The agent's capture figures now, from its {@code /metrics}. */
  static Capture capture(HttpClient http, URI agent, String token)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(agent.resolve("/metrics"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("/metrics answered " + response.statusCode() + ": " + response.body());
    }
    Exposition page = Exposition.parse(response.body());
    return new Capture(
        Math.round(page.value("verge_agent_capture_lag_seconds_max") * 1_000),
        Math.round(page.value("verge_agent_capture_commit_duration_seconds_max") * 1_000));
  }

  private static long supervisorRestarts(Path ctl) throws IOException {
    long restarts = 0;
    try (var logs = Files.newDirectoryStream(ctl, "agent-*.log")) {
      for (Path agentLog : logs) {
        try (var lines = Files.lines(agentLog, StandardCharsets.UTF_8)) {
          restarts += lines.filter(l -> l.startsWith("verge agent exited")).count();
        }
      }
    }
    return restarts;
  }

  /** The store as the next boot finds it: journal replayed, database and WAL copied out. */
  private static Ledger.Store afterCut(Path work, Path disk)
      throws IOException, InterruptedException {
    Path copy = work.resolve("after-cut.img");
    Files.copy(disk, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // 0: clean, 1: errors corrected (a replayed journal counts as corrected on some versions).
    int fsck = exec(List.of("e2fsck", "-fy", copy.toString()), Duration.ofMinutes(2), 0, 1);
    Path out = Files.createDirectories(work.resolve("store"));
    for (String name : List.of("agent.db", "agent.db-wal")) {
      Files.deleteIfExists(out.resolve(name));
      exec(
          List.of(
              "debugfs", "-R", "dump /agent/" + name + " " + out.resolve(name), copy.toString()),
          Duration.ofMinutes(1));
      if (Files.exists(out.resolve(name))
          && Files.size(out.resolve(name)) == 0
          && name.endsWith("-wal")) {
        Files.delete(out.resolve(name));
      }
    }
    Files.delete(copy);
    Ledger.Store store = Ledger.deviceStore(out.resolve("agent.db"));
    return fsck <= 1 ? store : new Ledger.Store("e2fsck " + fsck, store.requests());
  }

  private static Process qemu(Path work, Path dist, int agentPort, int hubPort, int boot)
      throws IOException {
    List<String> command =
        List.of(
            "qemu-system-x86_64",
            "-accel",
            // One host thread for the guest's CPUs: with thread=multi the guest's JVM died in
            // JIT-compiled code (SIGILL, SIGSEGV at a method's first instruction) in 2 of 6 boots,
            // the JIT writing code on one emulated CPU as another ran it.
            "tcg,thread=single",
            "-cpu",
            "max",
            "-m",
            "1024",
            "-smp",
            "2",
            "-nographic",
            "-no-reboot",
            "-kernel",
            "/boot/vmlinuz-" + kernelVersion(),
            "-initrd",
            work.resolve("initrd.gz").toString(),
            "-append",
            "console=ttyS0 panic=-1 quiet",
            "-fsdev",
            "local,id=u,path=/usr,security_model=none,readonly=on,multidevs=remap",
            "-device",
            "virtio-9p-pci,fsdev=u,mount_tag=usr",
            "-fsdev",
            "local,id=d,path=" + dist + ",security_model=none,readonly=on",
            "-device",
            "virtio-9p-pci,fsdev=d,mount_tag=dist",
            "-fsdev",
            "local,id=c,path=" + work.resolve("ctl") + ",security_model=none",
            "-device",
            "virtio-9p-pci,fsdev=c,mount_tag=ctl",
            "-drive",
            "file=" + work.resolve("disk.img") + ",format=raw,if=virtio,cache=writeback",
            "-netdev",
            "user,id=n,restrict=on,hostfwd=tcp:127.0.0.1:"
                + agentPort
                + "-:8081,guestfwd=tcp:10.0.2.100:8080-cmd:/bin/busybox nc 127.0.0.1 "
                + hubPort,
            "-device",
            "virtio-net-pci,netdev=n,romfile=");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(work.resolve("console-" + boot + ".log").toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return builder.start();
  }

  static String kernelVersion() throws IOException {
    try (var files = Files.list(Path.of("/boot"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith("vmlinuz-"))
          .map(n -> n.substring("vmlinuz-".length()))
          .filter(v -> Files.isDirectory(Path.of("/lib/modules", v)))
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no /boot/vmlinuz-* with its /lib/modules (apt-get install linux-image-amd64)"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static int exec(List<String> command, Duration limit, int... allowed)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("verge-powercut", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " ran past " + limit);
      }
      int exit = p.exitValue();
      boolean ok = exit == 0;
      for (int a : allowed) {
        ok |= exit == a;
      }
      if (!ok) {
        throw new IllegalStateException(
            String.join(" ", command)
                + " exited "
                + exit
                + ": "
                + Files.readString(log, StandardCharsets.UTF_8));
      }
      return exit;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Builds the initramfs: busybox, the kernel modules for virtio, 9p and ext4, an init. */
  private static final String INITRAMFS =
      """
      set -euo pipefail
      KV=$1; OUT=$2
      work=$(mktemp -d)
      mkdir -p $work/{mod,proc,sys,dev,usr,tmp,data,ctl,dist,etc,root,boot/bin}
      ln -s usr/bin $work/bin; ln -s usr/sbin $work/sbin; ln -s usr/lib $work/lib; ln -s usr/lib64 $work/lib64
      cp /bin/busybox $work/boot/bin/busybox
      order=()
      add() { local m=$1 f; f=$(modinfo -k $KV -n $m); for d in $(modinfo -k $KV -F depends $m | tr , ' '); do add $d; done
        case " ${order[*]:-} " in *" $f "*) ;; *) order+=("$f");; esac; }
      for m in virtio_pci virtio_blk virtio_net 9pnet_virtio 9p ext4 crc32c_generic; do add $m; done
      for f in "${order[@]}"; do b=$(basename $f); cp $f $work/mod/$b; echo $b >> $work/mod/order; done
      printf '127.0.0.1 localhost\\n' > $work/etc/hosts
      printf 'root:x:0:0:root:/root:/bin/sh\\n' > $work/etc/passwd
      printf 'root:x:0:\\n' > $work/etc/group
      printf 'hosts: files\\n' > $work/etc/nsswitch.conf
      cat > $work/init <<'INIT'
      #!/boot/bin/busybox sh
      B=/boot/bin/busybox
      $B mount -t proc proc /proc; $B mount -t sysfs sys /sys; $B mount -t devtmpfs dev /dev
      $B ln -s /proc/self/fd /dev/fd
      for m in $($B cat /mod/order); do $B insmod /mod/$m || echo "insmod $m failed"; done
      o=trans=virtio,version=9p2000.L,msize=262144
      $B mount -t 9p -o $o,ro,cache=loose usr /usr && $B mount -t 9p -o $o,ro,cache=loose dist /dist \\
        && $B mount -t 9p -o $o ctl /ctl || $B poweroff -f
      exec $B sh /ctl/guest.sh
      INIT
      chmod +x $work/init
      (cd $work && find . | cpio -o -H newc --quiet | gzip -1) > $OUT
      rm -rf $work
      """;

  /** The guest's script: the data disk, the network (the hub at 10.0.2.100:8080), the agent. */
  private static final String GUEST =
      """
      B=/boot/bin/busybox
      export PATH=/usr/bin:/bin JAVA_HOME=%s HOME=/root ORT_DISABLE_TELEMETRY=1
      $B mount -t ext4 /dev/vda /data || $B poweroff -f
      $B ip link set lo up; $B ip link set eth0 up
      $B ip addr add 10.0.2.15/24 dev eth0; $B ip route add default via 10.0.2.2
      $B mkdir -p /data/agent
      n=$($B ls /ctl | $B grep -c '^agent-[0-9]*.log$' || true)
      agent() {
        /dist/bin/verge agent --hub=http://10.0.2.100:8080 --data=/data/agent --bind=0.0.0.0 \\
          --port=8081 --name=vm --label=fleet=faults --trust=/ctl/trust.pub \\
          --enroll-token-file=/ctl/enroll.token --metrics-token-file=/ctl/metrics.token \\
          --poll-interval=1s --forward-interval=1s \\
          --capture-mode=$($B cat /ctl/mode) --capture-max-rate=0 "$@"
      }
      if [ -f /ctl/train ]; then
        # Boot 0: record the start cache, stop cleanly when told, keep the cache in ctl.
        export VERGE_JAVA_OPTS=-XX:AOTCacheOutput=/tmp/agent.aot
        agent > /ctl/agent-train.log 2>&1 &
        while [ ! -f /ctl/stop ]; do $B sleep 1; done
        # The JVM itself (the job is a shell around it); it writes the cache as it exits.
        $B killall -TERM java
        while $B pidof java > /dev/null; do $B sleep 1; done
        [ -f /tmp/agent.aot ] && $B cp /tmp/agent.aot /ctl/agent.aot.part \\
          && $B mv /ctl/agent.aot.part /ctl/agent.aot
        $B sync; $B poweroff -f
      fi
      # The cache is mapped, which the 9p share does not offer: a copy in the guest's memory.
      [ -f /ctl/agent.aot ] && $B cp /ctl/agent.aot /tmp/agent.aot \\
        && export VERGE_JAVA_OPTS=-XX:AOTCache=/tmp/agent.aot
      # Restarted when it dies, as verge-agent.service does (Restart=on-failure): under the
      # emulator the JVM itself once died of SIGILL in JIT-compiled code, and a device's
      # supervisor would have started it again.
      while true; do
        agent >> /ctl/agent-$n.log 2>&1
        echo "verge agent exited $?; restarting in 5 s" >> /ctl/agent-$n.log
        $B sleep 5
      done
      """
          .formatted(System.getProperty("java.home"));
}
