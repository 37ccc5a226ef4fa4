package dev.verge.agent;

import dev.verge.core.api.HardwareProfile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What this device is, for the hub's inventory: read once at start (none of it changes while the
 * agent runs, so the report that carries it changes nothing on the hub after the first). A fact the
 * JVM or the file system will not give is left null, never guessed.
 */
final class HardwareProbe {
  private static final System.Logger LOG = System.getLogger(HardwareProbe.class.getName());

  private HardwareProbe() {}

  /**
   * @param dataDir the agent's data folder, whose file system's size is the profile's disk
   * @param accelerators what the inference engine runs models on besides the CPU
   */
  static HardwareProfile probe(Path dataDir, List<String> accelerators) {
    return new HardwareProfile(
        arch(System.getProperty("os.arch")),
        Runtime.getRuntime().availableProcessors(),
        memoryBytes(),
        diskBytes(dataDir),
        accelerators,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        AgentVersion.CURRENT);
  }

  /** The JVM's os.arch in the names Go and Kubernetes use, which selectors are written in. */
  static String arch(String jvm) {
    if (jvm == null || jvm.isBlank()) {
      return null;
    }
    String arch = jvm.toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64", "x64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "arm", "armv7l", "armhf" -> "arm";
      case "x86", "i386", "i486", "i586", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "riscv64" -> "riscv64";
      default -> arch;
    };
  }

  /** The physical memory the JVM sees (a container's limit inside one), or null. */
  private static Long memoryBytes() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      long total = sun.getTotalMemorySize();
      return total > 0 ? total : null;
    }
    return null;
  }

  private static Long diskBytes(Path dataDir) {
    try {
      long total = Files.getFileStore(dataDir).getTotalSpace();
      return total > 0 ? total : null;
    } catch (IOException | SecurityException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot read the size of the disk under " + dataDir, e);
      return null;
    }
  }
}
