package dev.verge.cli;

import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.signing.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verge tokens create}: one-time enrollment tokens for new devices. */
@Command(
    name = "tokens",
    mixinStandardHelpOptions = true,
    description = "One-time enrollment tokens for new devices.",
    subcommands = TokensCommand.Create.class)
final class TokensCommand {

  /** What {@code --output json} prints when the token went to a file: where, not the secret. */
  record TokenFile(String file, Instant expiresAt) {}

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Make a token. Printed on standard output, or written to an owner-only file with --out"
              + " (what 'verge agent --enroll-token-file' reads).")
  static final class Create implements Runnable {
    @Option(
        names = "--ttl",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description = "How long it stays valid (default ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--note", description = "Why it was made, for the audit trail.")
    String note;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Write the token to FILE (owner-only) instead of printing it.")
    Path out;

    @Option(names = "--force", description = "Replace FILE when it exists.")
    boolean force;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      if (out != null) {
        OutputFiles.requireReplaceable(out, force);
      }
      EnrollmentToken token = hub.client().createEnrollmentToken(ttl.toSeconds(), note);
      if (out == null) {
        if (!output.printedJson(token)) {
          System.out.println(token.token());
          System.err.println("One-time token, valid until " + token.expiresAt());
        }
        return;
      }
      write(out, token.token());
      if (!output.printedJson(new TokenFile(out.toString(), token.expiresAt()))) {
        System.out.println(
            "Wrote a one-time enrollment token to "
                + out
                + " (owner-only), valid until "
                + token.expiresAt());
      }
    }

    private static void write(Path file, String token) {
      try {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Keys.writeOwnerOnly(file, token + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the token to " + file, e);
      }
    }
  }
}
