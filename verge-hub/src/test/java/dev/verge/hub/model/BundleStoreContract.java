package dev.verge.hub.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link BundleStore} does; each implementation's test supplies a fresh store. */
abstract class BundleStoreContract {
  static final String DIGEST = "a".repeat(64);
  static final String OTHER = "b".repeat(64);

  abstract BundleStore store();

  private Path upload(BundleStore store, String content) throws Exception {
    Path upload = store.newUpload();
    Files.writeString(upload, content);
    return upload;
  }

  @Test
  void a_kept_upload_is_read_back_whole_or_from_an_offset() throws Exception {
    BundleStore store = store();
    Path upload = upload(store, "0123456789");

    store.keep(upload, DIGEST);

    assertThat(upload).doesNotExist();
    assertThat(store.size(DIGEST)).isEqualTo(10);
    try (InputStream in = store.open(DIGEST, 0)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("0123456789");
    }
    try (InputStream in = store.open(DIGEST, 7)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("789");
    }
  }

  @Test
  void a_digest_is_written_once_and_a_second_upload_of_it_is_dropped() throws Exception {
    BundleStore store = store();
    store.keep(upload(store, "first"), DIGEST);
    Path again = upload(store, "other bytes");

    store.keep(again, DIGEST);

    assertThat(again).doesNotExist();
    try (InputStream in = store.open(DIGEST, 0)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("first");
    }
  }

  @Test
  void an_unknown_digest_has_no_size_and_a_removed_one_is_gone() throws Exception {
    BundleStore store = store();
    assertThatThrownBy(() -> store.size(OTHER)).isInstanceOf(NoSuchFileException.class);

    store.keep(upload(store, "x"), DIGEST);
    store.remove(DIGEST);

    assertThatThrownBy(() -> store.size(DIGEST)).isInstanceOf(NoSuchFileException.class);
    assertThat(store.describe(DIGEST)).contains(DIGEST);
  }

  @Test
  void uploads_older_than_the_cutoff_are_removed_younger_ones_and_bundles_kept() throws Exception {
    BundleStore store = store();
    store.keep(upload(store, "kept"), DIGEST);
    Path stale = upload(store, "crashed");
    Path fresh = upload(store, "in progress");
    Files.setLastModifiedTime(
        stale, java.nio.file.attribute.FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));

    store.removeStaleUploads(Instant.now().minusSeconds(3600));

    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
    assertThat(store.size(DIGEST)).isEqualTo(4);
    assertThat(store.usableSpace()).isPositive();
  }
}
