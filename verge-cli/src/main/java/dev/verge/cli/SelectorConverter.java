package dev.verge.cli;

import dev.verge.core.select.Selector;
import picocli.CommandLine;

/** Reads {@code --selector} in the Kubernetes label-selector grammar, naming what is wrong. */
final class SelectorConverter implements CommandLine.ITypeConverter<Selector> {
  @Override
  public Selector convert(String text) {
    try {
      return Selector.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + text + "': " + e.getMessage());
    }
  }
}
