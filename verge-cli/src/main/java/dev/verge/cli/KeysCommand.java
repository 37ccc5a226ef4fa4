package dev.verge.cli;

import dev.verge.cli.output.Table;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verge keys}: publisher signing keys. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Publisher signing keys (Ed25519).",
    subcommands = {KeysCommand.Generate.class, KeysCommand.Trust.class, KeysCommand.ListKeys.class})
final class KeysCommand {

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = "Make a new publisher key pair: NAME.key (keep secret) and NAME.pub.")
  static final class Generate implements Runnable {
    @Option(names = "--out", defaultValue = ".", description = "Folder (default: here).")
    Path out;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        defaultValue = "publisher",
        description = "File name stem.")
    String name;

    @Mixin OutputOptions output;

    @Override
    public void run() {
      Keys.KeyFiles files = Keys.writePair(Keys.generate(), out, name);
      if (output.printedJson(files)) {
        return;
      }
      System.out.println("Key id:      " + files.keyId());
      System.out.println("Private key: " + files.privateKey() + " (owner-only; never share it)");
      System.out.println("Public key:  " + files.publicKey() + " (give it to hubs and devices)");
    }
  }

  @Command(
      name = "trust",
      mixinStandardHelpOptions = true,
      description = "Register a publisher public key with the hub, which then accepts its bundles.")
  static final class Trust implements Runnable {
    @Parameters(paramLabel = "PUBLIC_KEY", description = "The .pub file.")
    Path publicKey;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "A name for the publisher (default: the file name).")
    String name;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      PublisherKey key = Keys.readPublic(publicKey);
      String label = name == null ? publicKey.getFileName().toString() : name;
      PublisherKeyView view = hub.client().trustPublisherKey(label, key.pem());
      if (!output.printedJson(view)) {
        System.out.println("The hub now trusts key " + view.keyId() + " (" + view.name() + ")");
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The publisher keys the hub trusts.")
  static final class ListKeys implements Runnable {
    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      List<PublisherKeyView> keys = hub.client().publisherKeys();
      if (output.printedJson(keys)) {
        return;
      }
      Table table = new Table("KEY ID", "NAME", "ADDED");
      keys.forEach(k -> table.row(k.keyId(), k.name(), k.addedAt()));
      table.print(System.out);
    }
  }
}
