package dev.verge.core.api;

import java.util.List;

/** A model and its published versions, newest last. */
public record ModelView(String name, List<ModelVersionView> versions) {}
