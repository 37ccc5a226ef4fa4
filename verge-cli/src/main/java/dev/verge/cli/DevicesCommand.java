package dev.verge.cli;

import dev.verge.cli.output.Table;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelReport;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code verge devices}. */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = "Devices enrolled with the hub and what they report.")
final class DevicesCommand implements Runnable {
  @Mixin HubOptions hub;
  @Mixin OutputOptions output;

  @Override
  public void run() {
    List<DeviceView> devices = hub.client().devices();
    if (output.printedJson(devices)) {
      return;
    }
    Table table = new Table("DEVICE", "NAME", "LABELS", "MODELS", "SERVED", "SYNCED", "LAST SEEN");
    for (DeviceView d : devices) {
      table.row(
          d.id(),
          d.name(),
          d.labels(),
          models(d),
          d.reported() == null ? null : d.reported().predictionsServed(),
          d.predictionsSynced(),
          d.lastSeenAt());
    }
    table.print(System.out);
  }

  static String models(DeviceView d) {
    if (d.reported() == null || d.reported().models().isEmpty()) {
      return "-";
    }
    return d.reported().models().stream()
        .map(DevicesCommand::model)
        .collect(Collectors.joining(", "));
  }

  private static String model(ModelReport m) {
    String active = m.name() + (m.activeVersion() == null ? " (none)" : " v" + m.activeVersion());
    return m.failedVersion() == null ? active : active + " [v" + m.failedVersion() + " failed]";
  }
}
