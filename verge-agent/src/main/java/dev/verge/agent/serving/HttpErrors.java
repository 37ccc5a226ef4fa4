package dev.verge.agent.serving;

import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.core.json.JsonFormatException;
import dev.verge.core.oip.ProtocolException;
import dev.verge.runtime.EngineException;

/** The one place where a failure becomes an HTTP status and a {@code {"error": ...}} message. */
final class HttpErrors {
  private static final System.Logger LOG = System.getLogger(HttpErrors.class.getName());

  private HttpErrors() {}

  /** An answer to a failed request; {@code allow} is set for 405 only. */
  record Failure(int status, String message, String allow) {}

  static Failure of(Throwable failure) {
    return switch (failure) {
      case ProtocolException e -> new Failure(400, e.getMessage(), null);
      case JsonFormatException e -> new Failure(400, "request body is " + e.getMessage(), null);
      case ModelNotFoundException e -> new Failure(404, e.getMessage(), null);
      case RequestException e ->
          switch (e.kind()) {
            case NO_SUCH_ENDPOINT -> new Failure(404, e.getMessage(), null);
            case METHOD_NOT_ALLOWED -> new Failure(405, e.getMessage(), e.allow());
            case BODY_TOO_LARGE -> new Failure(413, e.getMessage(), null);
            case UNSUPPORTED_ENCODING -> new Failure(415, e.getMessage(), null);
          };
      case EngineException e -> {
        LOG.log(System.Logger.Level.WARNING, "inference failed: " + e.getMessage(), e);
        yield new Failure(500, e.getMessage(), null);
      }
      case StoreFullException e -> {
        LOG.log(System.Logger.Level.WARNING, e.getMessage());
        yield new Failure(507, e.getMessage(), null);
      }
      case StoreException e -> {
        LOG.log(System.Logger.Level.ERROR, "cannot record a prediction: " + e.getMessage(), e);
        yield new Failure(500, "cannot record the prediction: " + e.getMessage(), null);
      }
      default -> {
        LOG.log(System.Logger.Level.ERROR, "request failed unexpectedly", failure);
        yield new Failure(500, "internal error: " + failure, null);
      }
    };
  }
}
