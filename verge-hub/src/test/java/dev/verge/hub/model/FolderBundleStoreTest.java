package dev.verge.hub.model;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FolderBundleStoreTest extends BundleStoreContract {
  @TempDir Path dir;

  @Override
  BundleStore store() {
    return new FolderBundleStore(dir.resolve("bundles")); // Made on the first upload.
  }
}
