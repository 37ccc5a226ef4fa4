package dev.verge.agent;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's own timers that an agent asleep between pipeline cycles turns off at run time. G1's
 * periodic collection ({@code -XX:G1PeriodicGCInterval}, which {@code bin/verge} sets to 10 s so
 * that an idle agent hands memory back) wakes the JVM every interval; it is a manageable flag, so
 * it is set to 0 here. {@code -XX:TrimNativeHeapInterval} is not manageable: the launcher leaves it
 * off when this mode is on, and runs such an agent on SerialGC (see {@code bin/verge}).
 */
final class JvmIdle {
  private static final System.Logger LOG = System.getLogger(JvmIdle.class.getName());
  static final String PERIODIC_GC = "G1PeriodicGCInterval";

  private JvmIdle() {}

  /** Turns G1's periodic collection off when it is on; any JVM that has no such flag is left. */
  static void quiet() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (vm == null) {
        return;
      }
      var option = vm.getVMOption(PERIODIC_GC);
      if (!"0".equals(option.getValue()) && option.isWriteable()) {
        vm.setVMOption(PERIODIC_GC, "0");
        LOG.log(
            System.Logger.Level.INFO,
            "asleep between cycles: G1 periodic collection (every {0} ms) turned off",
            option.getValue());
      }
    } catch (IllegalArgumentException | UnsupportedOperationException | SecurityException e) {
      // Another VM, or the flag is not there: nothing wakes for it, or nothing can be done.
      LOG.log(System.Logger.Level.DEBUG, "cannot turn G1 periodic collection off: " + e);
    }
  }
}
