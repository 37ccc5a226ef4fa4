package dev.verge.runtime;

/**
 * The execution provider the engine runs models on and why, for the agent to log and report.
 *
 * @param provider {@link ExecutionProvider#CPU} or {@link ExecutionProvider#CUDA}, never {@code
 *     AUTO}
 * @param reason one sentence a user can act on: what was asked and what the machine has
 */
public record ProviderChoice(ExecutionProvider provider, String reason) {
  public ProviderChoice {
    if (provider == ExecutionProvider.AUTO) {
      throw new IllegalArgumentException("a choice names CPU or CUDA, not AUTO");
    }
  }

  @Override
  public String toString() {
    return provider + " (" + reason + ")";
  }
}
