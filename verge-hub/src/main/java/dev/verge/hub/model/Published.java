package dev.verge.hub.model;

import dev.verge.core.api.ModelVersionView;

/** The outcome of a publish: the stored version, and whether this upload created it. */
public record Published(ModelVersionView version, boolean created) {}
