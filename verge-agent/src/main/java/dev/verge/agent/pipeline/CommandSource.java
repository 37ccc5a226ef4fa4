package dev.verge.agent.pipeline;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/** {@link Source.Command}: runs the command and reads what it printed. */
final class CommandSource implements SourceReader {
  private final Source.Command source;

  CommandSource(Source.Command source) {
    this.source = source;
  }

  @Override
  public Batch read(int max) throws IOException, InterruptedException {
    Processes.Outcome outcome =
        Processes.run(source.command(), null, source.timeout(), source.maxOutputBytes());
    if (!(outcome instanceof Processes.Outcome.Exited exited) || exited.status() != 0) {
      throw new PipelineException("source command " + source.command().getFirst() + " " + outcome);
    }
    if (exited.truncated()) {
      throw new PipelineException(
          "source command "
              + source.command().getFirst()
              + " printed more than "
              + source.maxOutputBytes()
              + " bytes (max-output-kb)");
    }
    Lines.Parsed parsed =
        Lines.read(
            new ByteArrayInputStream(exited.output()),
            "command",
            source.format(),
            null,
            0,
            max,
            true);
    return new Batch(parsed.readings(), parsed.rejected(), Batch.NOTHING, false);
  }
}
