package dev.verge.cli;

import dev.verge.core.api.EnrollmentToken;
import java.time.Duration;
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

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Make a token.")
  static final class Create implements Runnable {
    @Option(
        names = "--ttl",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description = "How long it stays valid (default ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--note", description = "Why it was made, for the audit trail.")
    String note;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      EnrollmentToken token = hub.client().createEnrollmentToken(ttl.toSeconds(), note);
      if (!output.printedJson(token)) {
        System.out.println(token.token());
        System.err.println("One-time token, valid until " + token.expiresAt());
      }
    }
  }
}
