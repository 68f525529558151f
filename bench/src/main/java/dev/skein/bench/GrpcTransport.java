package dev.skein.bench;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC {@code TraceService/Export} over one HTTP/2 connection. The request is sent as the
 * bytes it already is, so the client does not re-encode what {@link Workload} prepared.
 */
final class GrpcTransport implements Transport {
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
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<byte[], ExportTraceServiceResponse> EXPORT =
      MethodDescriptor.<byte[], ExportTraceServiceResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
          .build();

  private final ManagedChannel channel;

  GrpcTransport(String host, int port) {
    this.channel = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create())
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  @Override
  public Outcome send(byte[] body) {
    try {
      ExportTraceServiceResponse r = ClientCalls.blockingUnaryCall(channel, EXPORT,
          CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), body);
      return Outcome.accepted(r.hasPartialSuccess() ? r.getPartialSuccess().getRejectedSpans() : 0);
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      String detail = code + ": " + e.getStatus().getDescription();
      // The OTLP specification's retryable codes.
      return switch (code) {
        case UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, CANCELLED, DEADLINE_EXCEEDED, OUT_OF_RANGE, DATA_LOSS ->
            Outcome.retryable(detail);
        default -> Outcome.permanent(detail);
      };
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
