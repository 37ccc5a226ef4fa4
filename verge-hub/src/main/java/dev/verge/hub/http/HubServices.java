package dev.verge.hub.http;

import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.device.Devices;
import dev.verge.hub.device.Enrollment;
import dev.verge.hub.event.DeviceEvents;
import dev.verge.hub.metrics.HubMetrics;
import dev.verge.hub.model.ModelRegistry;
import dev.verge.hub.push.Push;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.telemetry.Telemetry;

/**
 * The features the HTTP API exposes, wired by the composition root; {@code push} is null when the
 * hub pushes nothing.
 */
public record HubServices(
    Authenticator authenticator,
    ModelRegistry models,
    Enrollment enrollment,
    Devices devices,
    DesiredStates desiredStates,
    Rollouts deployments,
    Telemetry telemetry,
    HubMetrics metrics,
    DeviceEvents events,
    Push push) {}
