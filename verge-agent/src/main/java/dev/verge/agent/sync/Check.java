package dev.verge.agent.sync;

/** The steps that take a desired model version to serving; each can refuse it. */
enum Check {
  DESIRED_STATE("desired state check"),
  DOWNLOAD("download"),
  DIGEST("digest check"),
  BUNDLE("bundle check"),
  SIGNATURE("signature check"),
  MANIFEST("manifest check"),
  ANTI_ROLLBACK("anti-rollback check"),
  LOAD("model load"),
  /** The bundle's sample inputs did not run, or did not give the outputs the publisher expects. */
  SAMPLES("sample check"),
  STORE("local store"),
  /** The version was active at too many starts without its health check committing it. */
  CRASH_LOOP("crash-loop check"),
  /** Its error rate or latency over its first requests or minutes passed the limits. */
  HEALTH("health check");

  private final String label;

  Check(String label) {
    this.label = label;
  }

  /** How failure messages name this step: "{label} failed: ...". */
  String label() {
    return label;
  }
}
