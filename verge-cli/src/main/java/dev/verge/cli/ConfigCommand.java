package dev.verge.cli;

import dev.verge.cli.config.AgentSettings;
import dev.verge.cli.config.ConfigException;
import dev.verge.cli.config.ConfigFile;
import dev.verge.cli.config.HubSettings;
import dev.verge.cli.config.PipelineSettings;
import dev.verge.cli.config.Setting;
import dev.verge.cli.config.Settings;
import dev.verge.cli.output.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code verge config check FILE}: validates a hub or agent configuration file. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Hub and agent configuration files.",
    subcommands = ConfigCommand.Check.class)
final class ConfigCommand {

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Check a configuration file as 'verge hub --config' or 'verge agent --config' would read"
            + " it (its top-level 'hub:' or 'agent:' section says which), with the VERGE_*"
            + " variables set here, and show every effective setting and where it comes from.",
        "Exits 0 when it is usable, 2 listing every problem otherwise. Files it names (keys,"
            + " token) are checked when the program starts."
      })
  static final class Check implements Runnable {
    @Parameters(paramLabel = "FILE", description = "The configuration file (YAML).")
    Path file;

    @Override
    public void run() {
      ConfigFile config = ConfigFile.read(file);
      String section = config.section() == null ? "" : config.section();
      List<Setting<?>> catalog =
          switch (section) {
            case "hub" -> HubSettings.ALL;
            case "agent" -> AgentSettings.ALL;
            default ->
                throw new ConfigException(file + " has no top-level 'hub:' or 'agent:' section");
          };
      // Every problem at once: the settings' and the pipelines'.
      List<String> problems = new java.util.ArrayList<>();
      Settings settings = null;
      try {
        settings = Settings.resolve(section, catalog, config, System.getenv(), Map.of());
      } catch (ConfigException e) {
        problems.addAll(e.problems());
      }
      List<dev.verge.agent.pipeline.PipelineSpec> pipelines = List.of();
      try {
        pipelines = PipelineSettings.read(config);
      } catch (ConfigException e) {
        problems.addAll(e.problems());
      }
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
      System.out.println("OK: " + file + " is a valid " + section + " configuration");
      Table table = new Table("SETTING", "VALUE", "FROM");
      settings
          .values()
          .forEach(
              (setting, value) ->
                  table.row(
                      setting.key(),
                      value.text() == null
                          ? "-"
                          : dev.verge.hub.store.PostgresServer.redact(value.text()),
                      value.origin().toString()));
      table.print(System.out);
      if (!pipelines.isEmpty()) {
        System.out.println();
        Table described = new Table("PIPELINE", "SOURCE", "SCHEDULE", "MODEL", "RULES");
        pipelines.forEach(
            p ->
                described.row(
                    p.name(),
                    p.source().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
                    switch (p.schedule()) {
                      case dev.verge.agent.pipeline.Schedule.Every e ->
                          "every " + e.interval().toMillis() + "ms";
                      case dev.verge.agent.pipeline.Schedule.Cron c -> "cron " + c.expression();
                    },
                    p.model(),
                    p.rules().size()));
        described.print(System.out);
      }
    }
  }
}
