package dev.verge.agent.pipeline;

import dev.verge.agent.AgentException;

/** A pipeline could not do what it was configured to; the message names the pipeline and why. */
public class PipelineException extends AgentException {
  public PipelineException(String message) {
    super(message);
  }

  public PipelineException(String message, Throwable cause) {
    super(message, cause);
  }
}
