package dev.verge.agent.sync;

import java.io.InputStream;

/**
 * A bundle download in progress.
 *
 * @param start the offset of the first byte of {@code body} in the bundle: the resume point the hub
 *     agreed to, or 0 when it sends the whole bundle
 */
record BundleStream(long start, InputStream body) {}
