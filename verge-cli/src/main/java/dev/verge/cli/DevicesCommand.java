package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.client.HubClientException;
import dev.verge.cli.output.Table;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.DeviceExplanation.Candidate;
import dev.verge.core.api.DeviceExplanation.ModelChoice;
import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EventView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.LocalChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.core.select.LabelSyntax;
import dev.verge.core.select.Selector;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code verge devices}: the fleet; {@code label} and {@code explain} work on one device. */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = "Devices enrolled with the hub and what they report.",
    subcommands = {
      DevicesCommand.Label.class,
      DevicesCommand.Explain.class,
      DevicesCommand.Events.class
    })
final class DevicesCommand implements Runnable {
  @Mixin HubOptions hub;
  @Mixin OutputOptions output;

  @Option(
      names = "--selector",
      paramLabel = "SELECTOR",
      converter = SelectorConverter.class,
      description = {
        "Only devices whose labels match: k=v, k!=v, k in (a,b), k notin (a,b), k, !k,"
            + " comma-separated. Hardware labels: verge.io/arch, verge.io/cores,"
            + " verge.io/memory-gib, verge.io/disk-gib, verge.io/accelerators, verge.io/os,"
            + " verge.io/os-version, verge.io/agent-version."
      })
  Selector selector;

  @Option(
      names = "--status",
      paramLabel = "online|offline",
      description = "Only devices seen within the hub's device-offline-after (online), or not.")
  Status status;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "Devices per page (1-1000, default ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--cursor",
      paramLabel = "CURSOR",
      description = "Start where a previous page ended (the cursor it printed).")
  String cursor;

  @Option(names = "--all", description = "Every matching device: follow the pages to the last.")
  boolean all;

  @Spec CommandLine.Model.CommandSpec spec;

  /** What {@code --status} takes, spelt as typed (picocli matches enum names exactly). */
  enum Status {
    online,
    offline
  }

  @Override
  public void run() {
    if (limit < 1 || limit > HubAdminClient.MAX_DEVICE_PAGE) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Invalid value for option '--limit': "
              + limit
              + " is not from 1 to "
              + HubAdminClient.MAX_DEVICE_PAGE);
    }
    HubAdminClient client = hub.client();
    String selectorText = selector == null ? null : selector.toString();
    String statusText = status == null ? null : status.name();
    List<DeviceView> devices = new ArrayList<>();
    String next = cursor;
    do {
      DevicePage page = client.devicePage(selectorText, statusText, limit, next);
      devices.addAll(page.items());
      next = page.nextCursor();
    } while (all && next != null);
    if (next != null) {
      // On standard error, so that standard output stays the table or the JSON array.
      System.err.println(
          "More devices follow: add --cursor " + next + " for the next page, or --all.");
    }
    if (output.printedJson(devices)) {
      return;
    }
    Table table =
        new Table("DEVICE", "NAME", "STATUS", "LABELS", "MODELS", "SERVED", "SYNCED", "LAST SEEN");
    for (DeviceView d : devices) {
      table.row(
          d.id(),
          d.name(),
          d.online() ? "online" : "offline",
          userLabels(d.labels()),
          models(d),
          d.reported() == null ? null : d.reported().predictionsServed(),
          d.predictionsSynced(),
          d.lastSeenAt());
    }
    table.print(System.out);
  }

  /**
   * The labels without the reserved hardware ones, which would fill the table; {@code verge devices
   * -o json} and {@code explain} show them all.
   */
  static Map<String, String> userLabels(Map<String, String> labels) {
    Map<String, String> shown = new TreeMap<>();
    labels.forEach(
        (k, v) -> {
          if (!k.startsWith(HARDWARE_PREFIX)) {
            shown.put(k, v);
          }
        });
    return shown;
  }

  private static final String HARDWARE_PREFIX = "verge.io/";

  static String models(DeviceView d) {
    if (d.reported() == null || d.reported().models().isEmpty()) {
      return "-";
    }
    return d.reported().models().stream()
        .map(DevicesCommand::model)
        .collect(Collectors.joining(", "));
  }

  /**
   * {@code pump v5 +v1 beside [v6 failed] [local: unloaded]}: the default version, those served
   * beside it (or failing to), and what a developer changed on the device, which the hub's next
   * desired-state change undoes.
   */
  static String model(ModelReport m) {
    StringBuilder text =
        new StringBuilder(m.name())
            .append(m.activeVersion() == null ? " (none)" : " v" + m.activeVersion());
    for (SideBySideVersion v : m.sideBySide()) {
      text.append(
          switch (v.state()) {
            case SERVING -> " +v" + v.version() + " beside";
            case DOWNLOADING -> " [v" + v.version() + " beside: downloading]";
            case FAILED -> " [v" + v.version() + " beside failed]";
          });
    }
    if (m.failedVersion() != null) {
      text.append(" [v").append(m.failedVersion()).append(" failed]");
    }
    for (LocalChange c : m.local()) {
      text.append(
          c.action() == LocalChange.Action.UNLOADED
              ? " [local: unloaded]"
              : " [local: v" + c.version() + " loaded]");
    }
    return text.toString();
  }

  /**
   * The device {@code idOrName} names: its id, or its name when exactly one device has it.
   *
   * @throws CommandFailedException when no device, or more than one, answers to it
   */
  static DeviceView resolve(HubAdminClient client, String idOrName) {
    if (idOrName.matches("[A-Za-z0-9._-]{1,128}")) { // What a device id may look like.
      try {
        return client.device(idOrName);
      } catch (HubClientException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
    }
    // Not an id: a name, which only a walk through every page can find.
    List<DeviceView> devices = client.devices();
    List<DeviceView> named = devices.stream().filter(d -> idOrName.equals(d.name())).toList();
    if (named.size() == 1) {
      return named.getFirst();
    }
    if (named.isEmpty()) {
      throw new CommandFailedException(
          "no device has the id or name '" + idOrName + "' (see 'verge devices')");
    }
    throw new CommandFailedException(
        named.size()
            + " devices are named '"
            + idOrName
            + "'; use an id: "
            + named.stream().map(DeviceView::id).collect(Collectors.joining(", ")));
  }

  /** {@code verge devices label DEVICE site=plant-7 line-}. */
  @Command(
      name = "label",
      mixinStandardHelpOptions = true,
      description = {
        "Set (key=value) or remove (key-) a device's operator labels, which win over the labels"
            + " the device reports.",
        "Example: verge devices label pump-1 site=plant-7 line-"
      })
  static final class Label implements Runnable {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "Device id or name.")
    String device;

    @Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "KEY=VALUE|KEY-",
        description = "Labels to set (key=value) or remove (key-).")
    List<String> edits;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      LabelChange change = change(spec.commandLine(), edits);
      HubAdminClient client = hub.client();
      DeviceView target = resolve(client, device);
      DeviceView changed = client.changeLabels(target.id(), change);
      if (!output.printedJson(changed)) {
        System.out.println(
            "Labels of "
                + changed.name()
                + " ("
                + changed.id()
                + "): "
                + (changed.labels().isEmpty() ? "none" : new TreeMap<>(changed.labels())));
      }
    }

    /**
     * Reads {@code key=value} and {@code key-} the way kubectl does.
     *
     * @throws CommandLine.ParameterException naming the argument that is neither, or a key given
     *     twice
     */
    static LabelChange change(CommandLine command, List<String> edits) {
      Map<String, String> set = new LinkedHashMap<>();
      List<String> remove = new ArrayList<>();
      for (String edit : edits) {
        int eq = edit.indexOf('=');
        String key;
        if (eq >= 0) {
          key = edit.substring(0, eq);
          String value = edit.substring(eq + 1);
          requireKey(command, edit, key);
          if (!LabelSyntax.isValue(value)) {
            throw bad(command, edit, LabelSyntax.valueProblem(key));
          }
          if (set.put(key, value) != null || remove.contains(key)) {
            throw bad(command, edit, "label '" + key + "' is given twice");
          }
        } else if (edit.endsWith("-")) {
          key = edit.substring(0, edit.length() - 1);
          requireKey(command, edit, key);
          if (remove.contains(key) || set.containsKey(key)) {
            throw bad(command, edit, "label '" + key + "' is given twice");
          }
          remove.add(key);
        } else {
          throw bad(
              command,
              edit,
              "write key=value to set a label or key- to remove one, e.g. site=plant-7 or line-");
        }
      }
      return new LabelChange(set, remove);
    }

    private static void requireKey(CommandLine command, String edit, String key) {
      if (!LabelSyntax.isKey(key)) {
        throw bad(command, edit, LabelSyntax.keyProblem(key));
      }
    }

    private static CommandLine.ParameterException bad(
        CommandLine command, String edit, String problem) {
      return new CommandLine.ParameterException(
          command, "Invalid label change '" + edit + "': " + problem);
    }
  }

  /** {@code verge devices explain DEVICE}. */
  @Command(
      name = "explain",
      mixinStandardHelpOptions = true,
      description =
          "Which deployment gives the device each model, which ones it overrode (lower"
              + " priority, or older at the same priority) and which serve a version beside it.")
  static final class Explain implements Runnable {
    @Parameters(paramLabel = "DEVICE", description = "Device id or name.")
    String device;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      HubAdminClient client = hub.client();
      DeviceView target = resolve(client, device);
      DeviceExplanation explanation = client.explain(target.id());
      if (!output.printedJson(explanation)) {
        System.out.print(render(target, explanation));
      }
    }

    static String render(DeviceView device, DeviceExplanation explanation) {
      StringBuilder text =
          new StringBuilder("Device ")
              .append(device.name())
              .append(" (")
              .append(device.id())
              .append("), labels ")
              .append(device.labels().isEmpty() ? "none" : new TreeMap<>(device.labels()))
              .append('\n');
      if (explanation.models().isEmpty()) {
        return text.append("No deployment targets this device.\n").toString();
      }
      Table table =
          new Table(
              "MODEL", "ROLE", "DEPLOYMENT", "VERSION", "PRIORITY", "STATE", "SELECTOR", "CREATED");
      for (ModelChoice choice : explanation.models()) {
        row(table, choice.model(), "wins", choice.winner());
        for (Candidate other : choice.overridden()) {
          row(table, "", "overridden", other);
        }
        for (Candidate other : choice.beside()) {
          row(table, "", "beside", other);
        }
      }
      return text.append(table.render()).toString();
    }

    private static void row(Table table, String model, String role, Candidate c) {
      if (c == null) {
        table.row(model, role, "-", "-", "-", "-", "-", "-");
        return;
      }
      table.row(
          model,
          role,
          c.deploymentId(),
          c.version() + (c.rollback() ? " (rollback)" : ""),
          c.priority(),
          c.state(),
          c.selector() == null || c.selector().isEmpty() ? "all" : c.selector(),
          c.createdAt() == null ? null : c.createdAt().truncatedTo(ChronoUnit.SECONDS));
    }
  }

  /** {@code verge devices events DEVICE}: what the device's pipelines raised. */
  @Command(
      name = "events",
      mixinStandardHelpOptions = true,
      description =
          "Events the device's pipelines raised (a rule that fired on a prediction), oldest first.")
  static final class Events implements Runnable {
    @Parameters(paramLabel = "DEVICE", description = "Device id or name.")
    String device;

    @Option(
        names = "--after",
        paramLabel = "SEQUENCE",
        defaultValue = "-1",
        description = "Only events after this sequence number (default: from the first).")
    long after;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "100",
        description = "At most this many (1-1000, default ${DEFAULT-VALUE}).")
    int limit;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      HubAdminClient client = hub.client();
      DeviceView target = resolve(client, device);
      List<EventView> events = client.events(target.id(), after, limit);
      if (output.printedJson(events)) {
        return;
      }
      if (events.isEmpty()) {
        System.out.println("No events from " + target.name() + ".");
        return;
      }
      Table table =
          new Table("SEQ", "TIME", "SEVERITY", "PIPELINE", "RULE", "MODEL", "MESSAGE", "DETAILS");
      for (EventView view : events) {
        DeviceEvent e = view.event();
        table.row(
            e.sequence(),
            e.time().truncatedTo(ChronoUnit.SECONDS),
            e.severity(),
            e.pipeline(),
            e.rule(),
            e.model() + " v" + e.version(),
            e.message(),
            e.details() == null ? null : e.details().path("outputs").toString());
      }
      table.print(System.out);
    }
  }
}
