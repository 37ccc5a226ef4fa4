package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the hub is and the admin token to call it with, shared by the management commands. */
public final class HubOptions {
  @Option(
      names = "--hub",
      defaultValue = "${env:VERGE_HUB:-http://127.0.0.1:8420}",
      converter = HubUrlConverter.class,
      paramLabel = "URL",
      description = "Hub URL (env VERGE_HUB; default ${DEFAULT-VALUE}).")
  URI hub;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "File holding the admin token (default: VERGE_TOKEN, then the local hub's"
              + " ~/.verge/hub/admin.token).")
  Path tokenFile;

  public HubAdminClient client() {
    return new HubAdminClient(hub, token());
  }

  String token() {
    if (tokenFile != null) {
      return read(tokenFile);
    }
    String fromEnv = System.getenv("VERGE_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    Path local = HubCommand.defaultDataDir().resolve("admin.token");
    if (Files.isReadable(local)) {
      return read(local);
    }
    throw new CommandFailedException(
        "no admin token: pass --token-file FILE or set VERGE_TOKEN (a hub writes its token to"
            + " <hub data>/admin.token on first start)");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token file " + file, e);
    }
  }
}
