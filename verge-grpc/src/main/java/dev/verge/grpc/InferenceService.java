package dev.verge.grpc;

import dev.verge.agent.serving.LocalModel;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.ModelRepository;
import dev.verge.agent.serving.ModelStatistics;
import dev.verge.agent.serving.RepositoryException;
import dev.verge.core.oip.ModelMetadata;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.ServerMetadata;
import dev.verge.core.oip.TensorSpec;
import dev.verge.grpc.proto.GRPCInferenceServiceGrpc;
import dev.verge.grpc.proto.InferStatistics;
import dev.verge.grpc.proto.ModelConfig;
import dev.verge.grpc.proto.ModelConfigRequest;
import dev.verge.grpc.proto.ModelConfigResponse;
import dev.verge.grpc.proto.ModelInferRequest;
import dev.verge.grpc.proto.ModelInferResponse;
import dev.verge.grpc.proto.ModelInput;
import dev.verge.grpc.proto.ModelMetadataRequest;
import dev.verge.grpc.proto.ModelMetadataResponse;
import dev.verge.grpc.proto.ModelOutput;
import dev.verge.grpc.proto.ModelReadyRequest;
import dev.verge.grpc.proto.ModelReadyResponse;
import dev.verge.grpc.proto.ModelRepositoryParameter;
import dev.verge.grpc.proto.ModelStatisticsRequest;
import dev.verge.grpc.proto.ModelStatisticsResponse;
import dev.verge.grpc.proto.ModelStreamInferResponse;
import dev.verge.grpc.proto.RepositoryIndexRequest;
import dev.verge.grpc.proto.RepositoryIndexResponse;
import dev.verge.grpc.proto.RepositoryModelLoadRequest;
import dev.verge.grpc.proto.RepositoryModelLoadResponse;
import dev.verge.grpc.proto.RepositoryModelUnloadRequest;
import dev.verge.grpc.proto.RepositoryModelUnloadResponse;
import dev.verge.grpc.proto.ServerLiveRequest;
import dev.verge.grpc.proto.ServerLiveResponse;
import dev.verge.grpc.proto.ServerMetadataRequest;
import dev.verge.grpc.proto.ServerMetadataResponse;
import dev.verge.grpc.proto.ServerReadyRequest;
import dev.verge.grpc.proto.ServerReadyResponse;
import dev.verge.grpc.proto.StatisticDuration;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService} on the agent's in-process API: every call goes through
 * {@link LocalModels}, so the serving core, its leases, recording and statistics are the REST
 * door's.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  /** Triton's word for a model that serves, in the repository index. */
  static final String READY = "READY";

  // The backend Triton names for ONNX Runtime, beside the platform the metadata gives.
  static final String BACKEND = "onnxruntime";

  private final LocalModels models;
  // Local control (repository load and unload); null when this door offers none.
  private final ModelRepository repository;
  private final GrpcFailures failures = new GrpcFailures();

  InferenceService(LocalModels models, ModelRepository repository) {
    this.models = models;
    this.repository = repository;
  }

  InferenceService(LocalModels models) {
    this(models, null);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    answer(
        out, () -> ServerReadyResponse.newBuilder().setReady(models.notReady().isEmpty()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    answer(
        out,
        () -> {
          // Triton answers false, not an error, for a model it does not know.
          boolean ready = model(request.getName(), request.getVersion(), "ModelReady").ready();
          return ModelReadyResponse.newBuilder().setReady(ready).build();
        });
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    answer(
        out,
        () -> {
          ServerMetadata server = models.server();
          return ServerMetadataResponse.newBuilder()
              .setName(server.name())
              .setVersion(server.version())
              .addAllExtensions(server.extensions())
              .build();
        });
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    answer(
        out,
        () -> {
          ModelMetadata metadata =
              model(request.getName(), request.getVersion(), "ModelMetadata").metadata();
          ModelMetadataResponse.Builder answer =
              ModelMetadataResponse.newBuilder()
                  .setName(metadata.name())
                  .addAllVersions(metadata.versions())
                  .setPlatform(metadata.platform());
          metadata.inputs().forEach(spec -> answer.addInputs(tensor(spec)));
          metadata.outputs().forEach(spec -> answer.addOutputs(tensor(spec)));
          return answer.build();
        });
  }

  /** Triton's configuration call: the signature as model inputs and outputs, no batching. */
  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    answer(
        out,
        () -> {
          ModelMetadata metadata =
              model(request.getName(), request.getVersion(), "ModelConfig").metadata();
          ModelConfig.Builder config =
              ModelConfig.newBuilder()
                  .setName(metadata.name())
                  .setPlatform(metadata.platform())
                  .setBackend(BACKEND)
                  .setMaxBatchSize(0);
          for (TensorSpec spec : metadata.inputs()) {
            config.addInput(
                ModelInput.newBuilder()
                    .setName(spec.name())
                    .setDataType(configType(spec.datatype()))
                    .addAllDims(spec.shape()));
          }
          for (TensorSpec spec : metadata.outputs()) {
            config.addOutput(
                ModelOutput.newBuilder()
                    .setName(spec.name())
                    .setDataType(configType(spec.datatype()))
                    .addAllDims(spec.shape()));
          }
          return ModelConfigResponse.newBuilder().setConfig(config).build();
        });
  }

  /** The configuration's name of a datatype: Triton's TYPE_ prefix, STRING for BYTES. */
  static dev.verge.grpc.proto.DataType configType(dev.verge.core.oip.DataType type) {
    return switch (type) {
      case BOOL -> dev.verge.grpc.proto.DataType.TYPE_BOOL;
      case UINT8 -> dev.verge.grpc.proto.DataType.TYPE_UINT8;
      case UINT16 -> dev.verge.grpc.proto.DataType.TYPE_UINT16;
      case UINT32 -> dev.verge.grpc.proto.DataType.TYPE_UINT32;
      case UINT64 -> dev.verge.grpc.proto.DataType.TYPE_UINT64;
      case INT8 -> dev.verge.grpc.proto.DataType.TYPE_INT8;
      case INT16 -> dev.verge.grpc.proto.DataType.TYPE_INT16;
      case INT32 -> dev.verge.grpc.proto.DataType.TYPE_INT32;
      case INT64 -> dev.verge.grpc.proto.DataType.TYPE_INT64;
      case FP16 -> dev.verge.grpc.proto.DataType.TYPE_FP16;
      case FP32 -> dev.verge.grpc.proto.DataType.TYPE_FP32;
      case FP64 -> dev.verge.grpc.proto.DataType.TYPE_FP64;
      case BYTES -> dev.verge.grpc.proto.DataType.TYPE_STRING;
      case BF16 -> dev.verge.grpc.proto.DataType.TYPE_BF16;
    };
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    answer(out, () -> infer(request));
  }

  /**
   * One answer per request, in order; a failed request answers its error and the stream goes on.
   */
  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ModelInferRequest request) {
        ModelStreamInferResponse.Builder answer = ModelStreamInferResponse.newBuilder();
        try {
          answer.setInferResponse(infer(request));
        } catch (RuntimeException e) {
          StatusRuntimeException status = failures.map(e);
          String description = status.getStatus().getDescription();
          answer.setErrorMessage(
              description == null ? status.getStatus().getCode().name() : description);
        }
        out.onNext(answer.build());
      }

      @Override
      public void onError(Throwable failure) {
        // The client cancelled or broke the stream: nothing is left to answer.
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    answer(
        out,
        () -> {
          ModelStatistics stats;
          if (request.getName().isEmpty()) {
            if (!request.getVersion().isEmpty()) {
              throw GrpcFailures.noName("a statistics request for version " + request.getVersion());
            }
            stats = models.statistics();
          } else {
            stats =
                models.statistics(
                    request.getName(),
                    GrpcFailures.version(request.getName(), request.getVersion()));
          }
          ModelStatisticsResponse.Builder answer = ModelStatisticsResponse.newBuilder();
          stats.modelStats().forEach(version -> answer.addModelStats(statistics(version)));
          return answer.build();
        });
  }

  /**
   * The model repository extension's load, as {@code POST /v2/repository/models/{name}/load}:
   * parameter {@code version} (a string or a number) serves that version beside the default.
   */
  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    answer(
        out,
        () -> {
          String name = control(request.getModelName(), "RepositoryModelLoad", "load");
          ModelRepositoryParameter version = request.getParametersMap().get("version");
          repository.load(name, version == null ? null : version(name, version));
          return RepositoryModelLoadResponse.getDefaultInstance();
        });
  }

  /** The model repository extension's unload: every version of the model stops serving. */
  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    answer(
        out,
        () -> {
          repository.unload(control(request.getModelName(), "RepositoryModelUnload", "unload"));
          return RepositoryModelUnloadResponse.getDefaultInstance();
        });
  }

  /** The model named, once local control is known to be on. */
  private String control(String name, String call, String what) {
    if (repository == null) {
      throw RepositoryException.beyondLoopback(what);
    }
    if (name.isEmpty()) {
      throw GrpcFailures.noName(call);
    }
    return name;
  }

  private static Long version(String name, ModelRepositoryParameter parameter) {
    return switch (parameter.getParameterChoiceCase()) {
      case INT64_PARAM -> parameter.getInt64Param();
      case STRING_PARAM -> {
        Long parsed = GrpcFailures.version(name, parameter.getStringParam().strip());
        if (parsed == null) {
          throw GrpcFailures.badVersion(name, parameter.getStringParam());
        }
        yield parsed;
      }
      default ->
          throw new ProtocolException(
              "model '"
                  + name
                  + "': parameter version must be a whole number, as a string or int64_param");
    };
  }

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    answer(
        out,
        () -> {
          // Only models that serve are known here; each is ready, so `ready` filters nothing out.
          RepositoryIndexResponse.Builder answer = RepositoryIndexResponse.newBuilder();
          for (Map.Entry<String, Long> model : models.models().entrySet()) {
            answer.addModels(
                RepositoryIndexResponse.ModelIndex.newBuilder()
                    .setName(model.getKey())
                    .setVersion(Long.toString(model.getValue()))
                    .setState(READY));
          }
          return answer.build();
        });
  }

  private ModelInferResponse infer(ModelInferRequest request) {
    GrpcInfer codec = new GrpcInfer(request);
    return model(request.getModelName(), request.getModelVersion(), "ModelInfer")
        .run(codec, codec::encode);
  }

  private LocalModel model(String name, String version, String call) {
    if (name.isEmpty()) {
      throw GrpcFailures.noName(call);
    }
    Long parsed = GrpcFailures.version(name, version);
    return parsed == null ? models.model(name) : models.model(name, parsed);
  }

  private static ModelMetadataResponse.TensorMetadata tensor(TensorSpec spec) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(spec.name())
        .setDatatype(spec.datatype().name())
        .addAllShape(spec.shape())
        .build();
  }

  private static dev.verge.grpc.proto.ModelStatistics statistics(
      ModelStatistics.VersionStats version) {
    ModelStatistics.InferenceStats stats = version.inferenceStats();
    return dev.verge.grpc.proto.ModelStatistics.newBuilder()
        .setName(version.name())
        .setVersion(version.version())
        .setLastInference(version.lastInference())
        .setInferenceCount(version.inferenceCount())
        .setExecutionCount(version.executionCount())
        .setInferenceStats(
            InferStatistics.newBuilder()
                .setSuccess(duration(stats.success()))
                .setFail(duration(stats.fail()))
                .setQueue(duration(stats.queue()))
                .setComputeInput(duration(stats.computeInput()))
                .setComputeInfer(duration(stats.computeInfer()))
                .setComputeOutput(duration(stats.computeOutput())))
        .build();
  }

  private static StatisticDuration duration(ModelStatistics.StatDuration duration) {
    return StatisticDuration.newBuilder().setCount(duration.count()).setNs(duration.ns()).build();
  }

  /** Answers {@code out} with what {@code call} returns, or with the status its failure maps to. */
  private <T> void answer(StreamObserver<T> out, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(failures.map(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }
}
