package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.output.ProgressBar;
import dev.verge.cli.output.Table;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
      long size;
      try {
        size = Files.size(bundle);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read bundle " + bundle, e);
      }
      ModelVersionView view =
          hub.client()
              .publish(bundle, ProgressBar.onStderr("upload " + bundle.getFileName(), size));
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

    @Mixin HubOptions hub;

    @Override
    public void run() {
      HubAdminClient client = hub.client();
      ModelVersionView view = client.modelVersion(name, version);
      Path target = out == null ? Path.of(name + "-" + version + ".vbundle") : out;
      client.download(
          view.bundleDigest(),
          target,
          ProgressBar.onStderr("download " + target.getFileName(), view.bundleSize()));
      System.out.println("Wrote " + target);
    }
  }
}
