package dev.verge.core.api;

import java.util.List;

/**
 * What a device is, as its agent sees it, sent in {@link ReportedState#hardware}. Every field is
 * what the agent could find out; a field it could not is null (or, for {@code accelerators},
 * empty), never a guess.
 *
 * @param arch the CPU architecture, normalized as Go and Kubernetes name it ({@code amd64}, {@code
 *     arm64}, {@code arm}, ...), else the JVM's {@code os.arch}
 * @param cores processors available to the agent
 * @param memoryBytes the machine's (or container's) physical memory
 * @param diskBytes the size of the file system holding the agent's data folder
 * @param accelerators the execution providers other than the CPU that the agent runs models on
 *     ({@code cuda}); empty when it runs on the CPU only
 * @param osName the operating system ({@code Linux})
 * @param osVersion its version (on Linux, the kernel's)
 * @param agentVersion the Verge agent's version
 */
public record HardwareProfile(
    String arch,
    Integer cores,
    Long memoryBytes,
    Long diskBytes,
    List<String> accelerators,
    String osName,
    String osVersion,
    String agentVersion) {
  public HardwareProfile {
    accelerators = accelerators == null ? List.of() : List.copyOf(accelerators);
  }
}
