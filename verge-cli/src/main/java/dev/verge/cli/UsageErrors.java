package dev.verge.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How a command line that does not parse is reported: one line naming what was wrong, picocli's
 * suggestions when it has some, and where the usage is, instead of the whole usage text.
 */
final class UsageErrors {
  private UsageErrors() {}

  static int handle(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    ParameterException shown = unknownBeforeMissing(e);
    PrintWriter err = command.getErr();
    err.println("verge: " + message(shown));
    UnmatchedArgumentException.printSuggestions(shown, err);
    err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for how to use it.");
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  /**
   * picocli checks required options before it reports unknown ones, so a mistyped option ({@code
   * --verison 2}) showed up as a missing one ("Missing required option: '--version'"); the typo is
   * the error to show.
   */
  static ParameterException unknownBeforeMissing(ParameterException e) {
    if (e instanceof MissingParameterException) {
      CommandLine.ParseResult parsed = e.getCommandLine().getParseResult();
      List<String> unmatched = parsed == null ? List.of() : parsed.unmatched();
      if (!unmatched.isEmpty()) {
        return new UnmatchedArgumentException(e.getCommandLine(), unmatched);
      }
    }
    return e;
  }

  /** picocli's message, with its doubled word in map-option errors ("Value for option option"). */
  static String message(ParameterException e) {
    return e.getMessage().replace("option option '", "option '");
  }
}
