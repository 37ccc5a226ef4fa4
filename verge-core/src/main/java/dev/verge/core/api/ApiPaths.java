package dev.verge.core.api;

import java.util.List;

/** The hub's HTTP paths, in one place for the hub, the agent and the CLI. */
public final class ApiPaths {
  public static final String PREFIX = "/api/v1";

  // Device API. {id} is the device id; the bearer is the device credential.
  public static final String ENROLL = PREFIX + "/enroll";
  public static final String DEVICE = PREFIX + "/devices/";
  public static final String DESIRED_SUFFIX = "/desired";
  public static final String REPORTED_SUFFIX = "/reported";
  public static final String PREDICTIONS_SUFFIX = "/predictions";

  /**
   * {@code POST DEVICES/{id}/events} (device): an {@link EventBatch}; {@code GET} (admin): the
   * device's events, {@code ?after=SEQUENCE&limit=N}.
   */
  public static final String EVENTS_SUFFIX = "/events";

  /**
   * {@code POST DEVICES/{id}/push} (device): fresh {@link PushAccess} to the hub's MQTT broker; 409
   * when the hub pushes nothing.
   */
  public static final String PUSH_SUFFIX = "/push";

  /** {@code PATCH DEVICES/{id}/labels}, admin only: the operator's {@link LabelChange}. */
  public static final String LABELS_SUFFIX = "/labels";

  public static final String BUNDLES = PREFIX + "/bundles/";

  // Management API; the bearer is the admin token.
  public static final String MODELS = PREFIX + "/models";
  public static final String PUBLISHER_KEYS = PREFIX + "/publisher-keys";
  public static final String ENROLLMENT_TOKENS = PREFIX + "/enrollment-tokens";
  public static final String DEVICES = PREFIX + "/devices";
  public static final String DEPLOYMENTS = PREFIX + "/deployments";

  /**
   * {@code GET MODELS/{name}/versions/{version}/predictions} (admin): a {@link PredictionPage},
   * {@code ?from=&to=&device=&limit=&cursor=}.
   */
  public static final String VERSION_PREDICTIONS_SUFFIX = "/predictions";

  /**
   * {@code GET MODELS/{name}/versions/{version}/predictions/aggregates} (admin): {@link
   * PredictionAggregates}, {@code ?from=&to=&device=&bucket=1m|1h|1d}.
   */
  public static final String AGGREGATES_SUFFIX = "/predictions/aggregates";

  /** {@code GET DEVICES/{id}/explain}: which deployment gives the device each model. */
  public static final String EXPLAIN_SUFFIX = "/explain";

  // Rollout actions: POST DEPLOYMENTS/{id}/<action> with an optional RolloutAction body.
  public static final String PAUSE = "pause";
  public static final String RESUME = "resume";
  public static final String ABORT = "abort";
  public static final String ROLLBACK = "rollback";

  /** The actions, in the order the API lists them. */
  public static final List<String> ROLLOUT_ACTIONS = List.of(PAUSE, RESUME, ABORT, ROLLBACK);

  /** The OpenAPI 3.1 document of the hub's REST API. */
  public static final String OPENAPI = PREFIX + "/openapi.json";

  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private ApiPaths() {}

  public static String desired(String deviceId) {
    return DEVICE + deviceId + DESIRED_SUFFIX;
  }

  public static String reported(String deviceId) {
    return DEVICE + deviceId + REPORTED_SUFFIX;
  }

  public static String push(String deviceId) {
    return DEVICE + deviceId + PUSH_SUFFIX;
  }

  public static String labels(String deviceId) {
    return DEVICE + deviceId + LABELS_SUFFIX;
  }

  public static String predictions(String deviceId) {
    return DEVICE + deviceId + PREDICTIONS_SUFFIX;
  }

  public static String events(String deviceId) {
    return DEVICE + deviceId + EVENTS_SUFFIX;
  }

  /** {@code MODELS/{name}/versions/{version}}. */
  public static String modelVersion(String name, long version) {
    return MODELS + "/" + name + "/versions/" + version;
  }

  public static String deployment(long id) {
    return DEPLOYMENTS + "/" + id;
  }

  /** {@code DEPLOYMENTS/{id}/<action>}, one of {@link #ROLLOUT_ACTIONS}. */
  public static String rolloutAction(long id, String action) {
    return deployment(id) + "/" + action;
  }

  public static String explain(String deviceId) {
    return DEVICE + deviceId + EXPLAIN_SUFFIX;
  }

  public static String bundle(String digest) {
    return BUNDLES + digest;
  }
}
