package dev.verge.hub.model;

/** Told of every publish attempt, for the hub's metrics. */
public interface PublishListener {
  PublishListener NONE =
      new PublishListener() {
        @Override
        public void published(Published published) {}

        @Override
        public void refused(String code) {}
      };

  /** The upload was stored, or was the same bundle as a stored version. */
  void published(Published published);

  /**
   * The upload was refused.
   *
   * @param code the refusal's stable code, such as {@code BAD_SIGNATURE} or {@code CONFLICT}
   */
  void refused(String code);
}
