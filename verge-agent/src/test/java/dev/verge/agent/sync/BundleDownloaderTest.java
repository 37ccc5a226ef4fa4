package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.FakeHub;
import dev.verge.agent.store.Identity;
import dev.verge.core.api.DesiredModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleDownloaderTest {
  @TempDir Path dir;

  private final FakeHub hub = new FakeHub();
  private final HubClient client =
      new HubClient(hub.url()).as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL));
  private final byte[] bytes = new byte[3 * 1024 * 1024 + 17];
  private BundleDownloader downloader;
  private DesiredModel desired;

  @BeforeEach
  void setUp() {
    new Random(7).nextBytes(bytes);
    desired = hub.model("pump", 1, bytes);
    downloader = new BundleDownloader(client, dir);
  }

  @AfterEach
  void tearDown() {
    client.close();
    hub.close();
  }

  @Test
  void downloads_and_keeps_the_bundle_by_digest() throws IOException {
    Path bundle = downloader.fetch(desired);

    assertThat(bundle).isEqualTo(dir.resolve(desired.bundleDigest() + ".vbundle"));
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
  }

  @Test
  void a_download_that_stalls_is_given_up_as_retryable_and_resumes_later() throws IOException {
    BundleDownloader impatient =
        new BundleDownloader(client, dir, SyncMetrics.NONE, Duration.ofMillis(300));
    hub.stallBundleAfter = 100_000;
    try {
      Assertions.assertThatThrownBy(() -> impatient.fetch(desired))
          .isInstanceOfSatisfying(
              ActivationException.class,
              e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.check()).isEqualTo(Check.DOWNLOAD);
                assertThat(e.getMessage())
                    .contains("broke off after 100000 of " + bytes.length + " bytes")
                    .contains("no byte arrived for 300 ms")
                    .contains("resumes");
              });
    } finally {
      hub.stallBundleAfter = -1;
      hub.stallGate.countDown();
    }

    Path bundle = impatient.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/").getLast().range()).isEqualTo("bytes=100000-");
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void a_hub_that_is_unavailable_is_a_retryable_failure_and_a_missing_bundle_is_not() {
    hub.failBundleDownloads.set(1);
    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class,
            e -> {
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("503");
            });

    DesiredModel unknown = new DesiredModel("pump", 2, "ab".repeat(32), 10, 1, false);
    Assertions.assertThatThrownBy(() -> downloader.fetch(unknown))
        .isInstanceOfSatisfying(
            ActivationException.class,
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("404");
            });
  }

  @Test
  void a_kept_bundle_is_not_downloaded_again() {
    downloader.fetch(desired);

    downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/")).hasSize(1);
  }

  @Test
  void resumes_a_partial_download_with_range() throws IOException {
    int have = 1_000_000;
    Files.write(downloader.partPath(desired.bundleDigest()), Arrays.copyOf(bytes, have));

    Path bundle = downloader.fetch(desired);

    FakeHub.Call call = hub.calls("GET", "/bundles/").getFirst();
    assertThat(call.range()).isEqualTo("bytes=" + have + "-");
    assertThat(call.status()).isEqualTo(206);
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void starts_over_when_the_hub_ignores_range() throws IOException {
    Files.write(downloader.partPath(desired.bundleDigest()), Arrays.copyOf(bytes, 1000));
    hub.ignoreRange = true;

    Path bundle = downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/").getFirst().status()).isEqualTo(200);
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void a_bundle_whose_digest_differs_is_deleted_and_refused() {
    byte[] other = bytes.clone();
    other[12345] ^= 1;
    hub.substitutes.put(desired.bundleDigest(), other);

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class, e -> assertThat(e.check()).isEqualTo(Check.DIGEST))
        .hasMessageStartingWith("digest check failed: bundle downloaded for pump v1 has SHA-256");
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
    assertThat(downloader.bundlePath(desired.bundleDigest())).doesNotExist();
  }

  @Test
  void a_short_download_is_kept_for_resuming() throws IOException {
    hub.substitutes.put(desired.bundleDigest(), Arrays.copyOf(bytes, 2_000_000));

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOfSatisfying(
            ActivationException.class, e -> assertThat(e.check()).isEqualTo(Check.DOWNLOAD))
        .hasMessageContaining("ended after 2000000 of " + bytes.length + " bytes");
    assertThat(Files.size(downloader.partPath(desired.bundleDigest()))).isEqualTo(2_000_000);

    hub.substitutes.clear();
    Path bundle = downloader.fetch(desired);

    assertThat(hub.calls("GET", "/bundles/").getLast().range()).isEqualTo("bytes=2000000-");
    assertThat(Files.readAllBytes(bundle)).isEqualTo(bytes);
  }

  @Test
  void a_bundle_larger_than_announced_is_refused() {
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    hub.substitutes.put(desired.bundleDigest(), longer);

    Assertions.assertThatThrownBy(() -> downloader.fetch(desired))
        .isInstanceOf(ActivationException.class)
        .hasMessageContaining("is larger than the " + bytes.length + " bytes announced");
    assertThat(downloader.partPath(desired.bundleDigest())).doesNotExist();
  }

  @Test
  void a_missing_bundle_is_a_download_failure_with_the_hubs_reason() {
    DesiredModel missing = new DesiredModel("pump", 2, "0".repeat(64), 10, 1, false);

    Assertions.assertThatThrownBy(() -> downloader.fetch(missing))
        .isInstanceOf(ActivationException.class)
        .hasMessageStartingWith("download failed: ")
        .hasMessageContaining("404 no published bundle");
  }
}
