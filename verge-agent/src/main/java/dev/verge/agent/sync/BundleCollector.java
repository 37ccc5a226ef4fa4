package dev.verge.agent.sync;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.BesideVersion;
import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.KeptBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.agent.store.StoreException;
import dev.verge.core.bundle.Digests;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deletes the bundles a device no longer needs: per model it keeps {@link UpdatePolicy#keepBundles}
 * (the active version's and the most recently committed others, so the version to go back to
 * stays), and never one in use: active, on trial or its previous version, being installed (the
 * journal), served side by side or through the local API, or wanted by the desired state. Files in
 * the bundle folder that no kept bundle names (a version refused before its activation, a partial
 * download the hub no longer asks for) go too. Runs under the sync loop's lock, so no install
 * starts meanwhile.
 */
final class BundleCollector {
  private static final System.Logger LOG = System.getLogger(BundleCollector.class.getName());

  private final AgentStore store;
  private final BundleDownloader files;
  private final Path folder;
  private final int keep;
  private final SyncMetrics metrics;

  BundleCollector(
      AgentStore store, BundleDownloader files, Path folder, int keep, SyncMetrics metrics) {
    this.store = store;
    this.files = files;
    this.folder = folder;
    this.keep = keep;
    this.metrics = metrics;
  }

  /**
   * Deletes what is not needed.
   *
   * @param wanted bundle digests the caller still needs (the desired state's, those waiting for
   *     their window); null when the desired state is not known yet, which leaves partial downloads
   *     alone
   * @param served per model, the versions the registry serves now
   * @return the digests deleted
   */
  Set<String> collect(Set<String> wanted, Map<String, ? extends Set<Long>> served) {
    Set<String> inUse = new HashSet<>(wanted == null ? Set.of() : wanted);
    Map<String, String> active = new HashMap<>();
    for (ModelState state : store.models()) {
      if (state.activeDigest() != null) {
        active.put(state.name(), state.activeDigest());
        inUse.add(state.activeDigest());
      }
    }
    for (InstallEntry entry : store.installs()) {
      inUse.add(entry.digest());
      if (entry.previousDigest() != null) {
        inUse.add(entry.previousDigest());
      }
    }
    for (BesideVersion beside : store.besideVersions()) {
      inUse.add(beside.digest());
    }
    Set<String> refused = new HashSet<>();
    for (RefusedVersion r : store.refusedVersions()) {
      refused.add(r.digest());
    }
    inUse.removeAll(refused);
    List<KeptBundle> kept = store.keptBundles();
    for (KeptBundle k : kept) {
      Set<Long> versions = served.get(k.bundle().model());
      if (versions != null && versions.contains(k.bundle().version())) {
        inUse.add(k.bundle().digest());
      }
    }
    inUse.addAll(active.values()); // Even one refused since: it serves.

    Set<String> known = new HashSet<>();
    Set<String> deleted = new HashSet<>();
    Map<String, Integer> slots = new HashMap<>();
    // The active version takes a slot first; the others in the store's order: most recently
    // committed, then most recently installed.
    for (KeptBundle k : kept) {
      String model = k.bundle().model();
      if (active.containsKey(model)) {
        slots.putIfAbsent(model, 1);
      }
    }
    long bytes = 0;
    for (KeptBundle k : kept) {
      String digest = k.bundle().digest();
      String model = k.bundle().model();
      known.add(digest);
      if (digest.equals(active.get(model))) {
        continue;
      }
      int used = slots.getOrDefault(model, 0);
      if (!refused.contains(digest) && used < keep) {
        slots.put(model, used + 1);
        continue;
      }
      if (inUse.contains(digest)) {
        continue;
      }
      try {
        store.forgetBundle(digest); // First: a crash before the file goes leaves an orphan.
        bytes += delete(files.bundlePath(digest));
        deleted.add(digest);
        LOG.log(
            System.Logger.Level.INFO,
            "deleted the kept bundle of {0} v{1} ({2}): {3} bundles are kept per model",
            model,
            Long.toString(k.bundle().version()),
            digest.substring(0, 12),
            Integer.toString(keep));
      } catch (StoreException | IOException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "cannot delete the bundle " + digest + " of " + model + ": " + e.getMessage());
      }
    }
    bytes += sweep(known, inUse, wanted != null, deleted);
    if (!deleted.isEmpty()) {
      metrics.collected(deleted.size(), bytes);
    }
    return deleted;
  }

  /** Deletes files no kept bundle names and nothing uses. */
  private long sweep(Set<String> known, Set<String> inUse, boolean partials, Set<String> deleted) {
    long bytes = 0;
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path file : entries) {
        String name = file.getFileName().toString();
        boolean whole = name.endsWith(BundleDownloader.BUNDLE_SUFFIX);
        boolean part = name.endsWith(BundleDownloader.PART_SUFFIX);
        if (!whole && !(part && partials)) {
          continue;
        }
        String digest =
            name.substring(
                0,
                name.length()
                    - (whole ? BundleDownloader.BUNDLE_SUFFIX : BundleDownloader.PART_SUFFIX)
                        .length());
        if (!Digests.isSha256Hex(digest)
            || inUse.contains(digest)
            || (whole && known.contains(digest))) {
          continue;
        }
        try {
          bytes += delete(file);
          deleted.add(digest);
          LOG.log(System.Logger.Level.INFO, "deleted {0}: nothing uses it", name);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot delete " + file + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot list " + folder + ": " + e.getMessage());
    }
    return bytes;
  }

  private static long delete(Path file) throws IOException {
    long size = Files.exists(file) ? Files.size(file) : 0;
    Files.deleteIfExists(file);
    return size;
  }
}
