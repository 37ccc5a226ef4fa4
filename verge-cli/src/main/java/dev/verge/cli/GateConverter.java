package dev.verge.cli;

import dev.verge.core.api.Gate;
import java.util.List;
import picocli.CommandLine;

/** Reads one condition of {@code --gate} ({@code error_rate<1%}), naming what is wrong. */
final class GateConverter implements CommandLine.ITypeConverter<Gate> {
  @Override
  public Gate convert(String text) {
    try {
      List<Gate> gates = Gate.parseList(text);
      if (gates.size() != 1) {
        throw new IllegalArgumentException("expected one condition, e.g. error_rate<1%");
      }
      return gates.getFirst();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
