package dev.verge.hub.device;

import dev.verge.core.api.HardwareProfile;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reserved labels a device's hardware profile gives it, under {@value #PREFIX}, so that
 * selectors pick devices by what they are ({@code verge.io/arch=arm64,verge.io/accelerators=cuda}).
 * Neither the device's own labels nor the operator's may use the prefix. The grammar has no numeric
 * comparison, so sizes are whole GiB, rounded, to be matched with {@code in (...)}.
 *
 * <ul>
 *   <li>{@code verge.io/arch}: {@code amd64}, {@code arm64}, ...
 *   <li>{@code verge.io/cores}: processors available to the agent
 *   <li>{@code verge.io/memory-gib}, {@code verge.io/disk-gib}: memory, and the data folder's file
 *       system, in GiB
 *   <li>{@code verge.io/accelerators}: the accelerators models run on, joined by {@code +} ({@code
 *       cuda}); absent when none
 *   <li>{@code verge.io/os}, {@code verge.io/os-version}, {@code verge.io/agent-version}
 * </ul>
 *
 * A field the agent did not know gives no label. Values are cut to what a label value and a
 * selector value may hold: whitespace and {@code ( ) , = !} become {@code _}, at most 255
 * characters; the OS name is lower-case.
 */
public final class ProfileLabels {
  public static final String PREFIX = "verge.io/";
  public static final String ARCH = PREFIX + "arch";
  public static final String CORES = PREFIX + "cores";
  public static final String MEMORY_GIB = PREFIX + "memory-gib";
  public static final String DISK_GIB = PREFIX + "disk-gib";
  public static final String ACCELERATORS = PREFIX + "accelerators";
  public static final String OS = PREFIX + "os";
  public static final String OS_VERSION = PREFIX + "os-version";
  public static final String AGENT_VERSION = PREFIX + "agent-version";

  private static final double GIB = 1024.0 * 1024 * 1024;

  private ProfileLabels() {}

  /** Whether {@code key} is one only the hardware profile sets. */
  public static boolean isReserved(String key) {
    return key != null && key.startsWith(PREFIX);
  }

  /** The profile's labels; none for a null profile. */
  public static Map<String, String> of(HardwareProfile p) {
    if (p == null) {
      return Map.of();
    }
    TreeMap<String, String> labels = new TreeMap<>();
    put(labels, ARCH, p.arch() == null ? null : p.arch().toLowerCase(Locale.ROOT));
    put(labels, CORES, p.cores() == null ? null : String.valueOf(p.cores()));
    put(labels, MEMORY_GIB, gib(p.memoryBytes()));
    put(labels, DISK_GIB, gib(p.diskBytes()));
    put(
        labels,
        ACCELERATORS,
        p.accelerators().isEmpty() ? null : String.join("+", p.accelerators()));
    put(labels, OS, p.osName() == null ? null : p.osName().toLowerCase(Locale.ROOT));
    put(labels, OS_VERSION, p.osVersion());
    put(labels, AGENT_VERSION, p.agentVersion());
    return labels;
  }

  private static String gib(Long bytes) {
    return bytes == null || bytes < 0 ? null : String.valueOf(Math.round(bytes / GIB));
  }

  private static void put(Map<String, String> labels, String key, String value) {
    if (value == null || value.isBlank()) {
      return;
    }
    StringBuilder clean = new StringBuilder(Math.min(value.length(), 255));
    for (int i = 0; i < value.length() && clean.length() < 255; i++) {
      char c = value.charAt(i);
      clean.append(Character.isWhitespace(c) || "(),=!".indexOf(c) >= 0 ? '_' : c);
    }
    labels.put(key, clean.toString());
  }
}
