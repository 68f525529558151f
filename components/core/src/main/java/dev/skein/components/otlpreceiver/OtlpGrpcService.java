package dev.skein.components.otlpreceiver;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.skein.pipeline.PipelineException;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * OTLP/gRPC {@code TraceService/Export}. The request is taken as raw bytes and decoded here, so
 * that undecodable data is answered with INVALID_ARGUMENT and a message that names the problem,
 * as the OTLP specification asks (grpc-java's own decoding would answer INTERNAL).
 */
final class OtlpGrpcService {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };

  private final ExportHandler handler;

  OtlpGrpcService(ExportHandler handler) {
    this.handler = handler;
  }

  ServerServiceDefinition definition() {
    MethodDescriptor<byte[], ExportTraceServiceResponse> export =
        MethodDescriptor.<byte[], ExportTraceServiceResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
            .build();
    return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(export, ServerCalls.asyncUnaryCall(this::export))
        .build();
  }

  private void export(byte[] bytes, StreamObserver<ExportTraceServiceResponse> observer) {
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      observer.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.INVALID_ARGUMENT_VALUE)
          .setMessage("ExportTraceServiceRequest cannot be decoded: " + e.getMessage())
          .build()));
      return;
    }
    handler.export(request, "grpc", dev.skein.pipeline.server.Tenancy.current()).whenComplete((response, t) -> {
      if (t == null) {
        observer.onNext(response);
        observer.onCompleted();
      } else {
        observer.onError(StatusProto.toStatusRuntimeException(dev.skein.pipeline.RpcStatuses.toStatus(PipelineException.classify(t))));
      }
    });
  }

}
