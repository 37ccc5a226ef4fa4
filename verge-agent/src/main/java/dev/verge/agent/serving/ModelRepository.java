package dev.verge.agent.serving;

import java.util.List;

/**
 * The model repository extension's view of this device: every model version it serves or knows of,
 * and local control over what serves. The hub's desired state wins over local control; how is the
 * implementation's to say (the agent's: the next change of the desired state undoes it).
 */
public interface ModelRepository {

  /** Every model version known here, by name then version, with its state and why not ready. */
  List<RepositoryEntry> index();

  /**
   * Serves {@code name}: the default version when {@code version} is null, else that version
   * (beside the default when it is another one). Serving already is no error.
   *
   * @throws RepositoryException when there is nothing to load or the version fails its checks
   */
  void load(String name, Long version);

  /**
   * Stops serving every version of {@code name}.
   *
   * @throws RepositoryException when the model is not known here
   */
  void unload(String name);

  /** The versions the registry serves, all READY; loading and unloading are refused. */
  static ModelRepository readOnly(ModelRegistry registry) {
    return new ModelRepository() {
      @Override
      public List<RepositoryEntry> index() {
        List<RepositoryEntry> entries = new java.util.ArrayList<>();
        registry
            .servedVersions()
            .forEach(
                (name, versions) ->
                    versions.forEach(v -> entries.add(RepositoryEntry.ready(name, v))));
        return entries;
      }

      @Override
      public void load(String name, Long version) {
        throw new RepositoryException(
            RepositoryException.Kind.NOT_MANAGED, "this server does not load models: " + name);
      }

      @Override
      public void unload(String name) {
        throw new RepositoryException(
            RepositoryException.Kind.NOT_MANAGED, "this server does not unload models: " + name);
      }
    };
  }
}
