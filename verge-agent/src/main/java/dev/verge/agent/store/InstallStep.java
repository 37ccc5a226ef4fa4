package dev.verge.agent.store;

/**
 * The steps of installing a model's default version, in order, as the installation journal keeps
 * them. Commit is no step: a committed install leaves no journal entry.
 */
public enum InstallStep {
  /** The bundle is being fetched from the hub (a partial file resumes with Range). */
  DOWNLOAD,
  /** The whole bundle is on disk with its digest; archive, signature and manifest are checked. */
  VERIFY,
  /** The verified bundle is kept among the installed ones, ready to load (or for its window). */
  STAGE,
  /** The model is being loaded and warmed beside the active version. */
  LOAD,
  /** The loaded model is being swapped in. */
  ACTIVATE,
  /** It serves, on trial: its first requests and minutes decide whether it is committed. */
  HEALTH
}
