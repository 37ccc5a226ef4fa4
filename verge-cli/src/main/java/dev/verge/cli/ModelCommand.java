package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.client.HubClientException;
import dev.verge.cli.output.ProgressBar;
import dev.verge.cli.output.Table;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import dev.verge.core.bundle.Bundle;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.bundle.BundleProblem;
import dev.verge.core.bundle.BundleSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verge model}: the hub's model registry. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Models on the hub: publish, list, download.",
    subcommands = {ModelCommand.Push.class, ModelCommand.ListModels.class, ModelCommand.Pull.class})
final class ModelCommand {

  @Command(
      name = "push",
      mixinStandardHelpOptions = true,
      description = "Publish a signed bundle to the hub (the hub verifies it on upload).")
  static final class Push implements Runnable {
    @Parameters(paramLabel = "BUNDLE")
    Path bundle;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      String keyId = requireSignedBundle(bundle);
      long size;
      try {
        size = Files.size(bundle);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read bundle " + bundle, e);
      }
      ModelVersionView view;
      try (ProgressBar bar = ProgressBar.onStderr("upload " + bundle.getFileName(), size)) {
        view = hub.client().publish(bundle, bar);
      } catch (HubClientException e) {
        if (e.code().equals(BundleProblem.UNTRUSTED_KEY.name())) {
          throw new CommandFailedException(
              e.getMessage()
                  + "; trust it first with 'verge keys trust PUBLIC_KEY' (the .pub file of key "
                  + keyId
                  + ")");
        }
        throw e;
      }
      if (!output.printedJson(view)) {
        System.out.println(
            "Published "
                + view.name()
                + " v"
                + view.version()
                + " (sha256:"
                + view.bundleDigest()
                + ", signed by "
                + view.publisherKeyId()
                + ")");
      }
    }
  }

  /**
   * Checks a file is a signed bundle before anything is uploaded: pushing the {@code .onnx} model
   * itself is the usual first slip, and an unsigned bundle is refused by every hub.
   *
   * @return the id of the key that signed it
   */
  static String requireSignedBundle(Path file) {
    try (Bundle opened = Bundle.open(file)) {
      return opened
          .signature()
          .map(BundleSignature::keyId)
          .orElseThrow(
              () ->
                  new CommandFailedException(
                      file
                          + " is not signed: sign it with 'verge bundle sign --key PUBLISHER.key "
                          + file
                          + "', then push it"));
    } catch (BundleException e) {
      if (e.problem() != BundleProblem.CORRUPT_ARCHIVE) {
        throw e;
      }
      String what =
          file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
              ? " is an ONNX model, not a Verge bundle"
              : " is not a Verge bundle (" + e.getMessage() + ")";
      throw new CommandFailedException(
          file
              + what
              + ": pack it first with 'verge bundle create --model "
              + file
              + " --name NAME --version N --key PUBLISHER.key', then push the .vbundle file");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Models and versions.")
  static final class ListModels implements Runnable {
    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      List<ModelView> models = hub.client().models();
      if (output.printedJson(models)) {
        return;
      }
      Table table = new Table("MODEL", "VERSION", "SIZE", "SIGNED BY", "PUBLISHED", "DIGEST");
      for (ModelView model : models) {
        for (ModelVersionView v : model.versions()) {
          table.row(
              v.name(),
              v.version(),
              ProgressBar.bytes(v.bundleSize()),
              v.publisherKeyId(),
              v.publishedAt(),
              v.bundleDigest().substring(0, 12));
        }
      }
      table.print(System.out);
    }
  }

  @Command(
      name = "pull",
      mixinStandardHelpOptions = true,
      description = "Download a published bundle.")
  static final class Pull implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION")
    long version;

    @Option(names = "--out", description = "File (default NAME-VERSION.vbundle).")
    Path out;

    @Option(names = "--force", description = "Replace the file when it exists.")
    boolean force;

    @Mixin HubOptions hub;

    @Override
    public void run() {
      Path target = out == null ? Path.of(name + "-" + version + ".vbundle") : out;
      OutputFiles.requireReplaceable(target, force);
      HubAdminClient client = hub.client();
      ModelVersionView view = client.modelVersion(name, version);
      try (ProgressBar bar =
          ProgressBar.onStderr("download " + target.getFileName(), view.bundleSize())) {
        client.download(view.bundleDigest(), target, bar);
      }
      System.out.println("Wrote " + target);
    }
  }
}
