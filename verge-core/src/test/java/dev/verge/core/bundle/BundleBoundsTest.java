package dev.verge.core.bundle;

import static dev.verge.core.bundle.BundleArchiveTest.assertRefused;
import static dev.verge.core.bundle.TestBundles.MODEL_BYTES;
import static dev.verge.core.bundle.TestBundles.givenSignedBundle;
import static dev.verge.core.bundle.TestBundles.newKey;
import static dev.verge.core.bundle.TestBundles.trusting;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, "a validly signed bundle can kill the sync loop for good": every entry is read bounded,
 * by a cap of its own or the size the manifest lists, and reading stops once it passes it, even
 * when the archive's own record of the size lies.
 */
class BundleBoundsTest {
  private static final long GIB = 1024L * 1024 * 1024;

  @TempDir Path dir;

  /**
   * Regression: a manifest padded with 1 GiB of whitespace keeps its signature valid (the signature
   * covers the canonical bytes) and was read whole into memory.
   */
  @Test
  void a_manifest_padded_past_the_cap_is_refused_naming_the_cap() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    Map<String, byte[]> entries = TestBundles.entries(bundle);
    Path padded = dir.resolve("padded.vbundle");
    writeZip(padded, entries, Manifest.FILE_NAME, GIB);

    assertRefused(padded, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("manifest.json is larger than the 1048576 bytes (1024 KiB)");
  }

  @Test
  void a_padded_manifest_whose_archive_size_lies_is_refused_once_past_the_cap() {
    Path bundle = givenSignedBundle(dir, newKey());
    Path padded = dir.resolve("lying.vbundle");
    writeZip(padded, TestBundles.entries(bundle), Manifest.FILE_NAME, 64L * 1024 * 1024);
    lieAboutSize(padded, Manifest.FILE_NAME, 100);

    assertRefused(padded, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("larger than the " + Bundle.MAX_MANIFEST_BYTES + " bytes");
  }

  @Test
  void a_manifest_padded_under_the_cap_still_opens_and_verifies() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    Path padded = dir.resolve("padded.vbundle");
    writeZip(padded, TestBundles.entries(bundle), Manifest.FILE_NAME, 512 * 1024);

    try (Bundle opened = Bundle.open(padded)) {
      assertThat(opened.verifySignature(trusting(key)).key()).isEqualTo(key.getPublic());
      assertThat(opened.readFile("model.onnx")).isEqualTo(MODEL_BYTES);
    }
  }

  @Test
  void a_file_read_off_the_heap_holds_the_same_bytes_in_a_direct_buffer() {
    Path bundle = givenSignedBundle(dir, newKey());

    try (Bundle opened = Bundle.open(bundle)) {
      ByteBuffer direct = opened.readFileOffHeap("model.onnx");

      assertThat(direct.isDirect()).isTrue();
      assertThat(direct.position()).isZero();
      byte[] read = new byte[direct.remaining()];
      direct.get(read);
      assertThat(read).isEqualTo(MODEL_BYTES);
    }
  }

  @Test
  void an_oversized_signature_file_is_refused() {
    Path bundle = givenSignedBundle(dir, newKey());
    Path padded = dir.resolve("padded.vbundle");
    writeZip(padded, TestBundles.entries(bundle), Manifest.SIGNATURE_FILE_NAME, 1024 * 1024);

    assertRefused(padded, BundleProblem.BAD_SIGNATURE)
        .hasMessageContaining("signature.json is larger than the 65536 bytes");
  }

  /**
   * A model entry that expands beyond its listed size, with the archive's own size record made to
   * agree with the manifest, is refused while hashing, as soon as it passes the listed size.
   */
  @Test
  void an_entry_that_expands_past_its_listed_size_is_refused_while_it_is_read() {
    Path bundle = givenSignedBundle(dir, newKey());
    Path padded = dir.resolve("expanding.vbundle");
    writeZip(padded, TestBundles.entries(bundle), "model.onnx", 256L * 1024 * 1024);
    lieAboutSize(padded, "model.onnx", MODEL_BYTES.length);

    assertRefused(padded, BundleProblem.DIGEST_MISMATCH)
        .hasMessageContaining(
            "model.onnx holds more than the " + MODEL_BYTES.length + " bytes the manifest says");
  }

  @Test
  void an_entry_the_archive_says_is_larger_than_listed_is_refused_before_reading() {
    Path bundle = givenSignedBundle(dir, newKey());
    Path padded = dir.resolve("expanding.vbundle");
    writeZip(padded, TestBundles.entries(bundle), "model.onnx", 10);

    assertRefused(padded, BundleProblem.DIGEST_MISMATCH)
        .hasMessageContaining("holds more than the " + MODEL_BYTES.length + " bytes");
  }

  /**
   * Writes {@code entries} as a zip, appending {@code padding} spaces to entry {@code padded}
   * (deflated, so the archive stays small however large it expands).
   */
  private static void writeZip(
      Path file, Map<String, byte[]> entries, String padded, long padding) {
    byte[] spaces = new byte[1024 * 1024];
    Arrays.fill(spaces, (byte) ' ');
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.setLevel(Deflater.BEST_SPEED);
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        if (entry.getKey().equals(padded)) {
          for (long left = padding; left > 0; left -= spaces.length) {
            zip.write(spaces, 0, (int) Math.min(spaces.length, left));
          }
        }
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rewrites the central directory's uncompressed size of {@code name}, as a forger would. */
  private static void lieAboutSize(Path file, String name, long size) {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer all = ByteBuffer.allocate((int) channel.size()).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(all, 0);
      byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
      for (int at = 0; at + 46 < all.capacity(); at++) {
        if (all.getInt(at) != 0x02014b50) {
          continue;
        }
        int nameLength = Short.toUnsignedInt(all.getShort(at + 28));
        byte[] entryName = Arrays.copyOfRange(all.array(), at + 46, at + 46 + nameLength);
        if (Arrays.equals(entryName, wanted)) {
          ByteBuffer field = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
          field.putInt(0, (int) size);
          channel.write(field, at + 24);
          return;
        }
      }
      throw new IllegalStateException("no central directory entry " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
