package dev.verge.grpc;

import dev.verge.agent.serving.Door;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.ModelRepository;
import java.net.InetSocketAddress;

/** How the agent finds the gRPC door on its class path ({@code META-INF/services}). */
public final class GrpcDoorFactory implements Door.Factory {
  /** The protocol name the agent asks for. */
  public static final String PROTOCOL = "grpc";

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public Door open(InetSocketAddress address, LocalModels models, ModelRepository repository) {
    return GrpcDoor.start(address, models, repository, GrpcDoor.Options.defaults());
  }
}
