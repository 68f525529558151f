package dev.skein.components.jaegerreceiver;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.skein.jaeger.JaegerTranslator;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.jaeger.proto.Collector.PostSpansResponse;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.model.Hex;
import dev.skein.model.Ids;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.wire.WireFormatException;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jaeger's {@code jaeger.api_v2.CollectorService/PostSpans}. The request is taken as raw bytes
 * and decoded here, so that undecodable data is answered with INVALID_ARGUMENT and a message that
 * names the problem (grpc-java's own decoding would answer INTERNAL, which reads as a server
 * fault). The answer is sent once the pipeline has taken the spans.
 */
final class PostSpansService {
  private static final Logger log = LoggerFactory.getLogger(PostSpansService.class);
  private static final int MAX_REASONS = 3;

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

  private final CreateSettings settings;
  private final TracesConsumer next;

  PostSpansService(CreateSettings settings, TracesConsumer next) {
    this.settings = settings;
    this.next = next;
  }

  ServerServiceDefinition definition() {
    MethodDescriptor<byte[], PostSpansResponse> postSpans =
        MethodDescriptor.<byte[], PostSpansResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(CollectorServiceGrpc.getPostSpansMethod().getFullMethodName())
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(ProtoUtils.marshaller(PostSpansResponse.getDefaultInstance()))
            .build();
    return ServerServiceDefinition.builder(CollectorServiceGrpc.SERVICE_NAME)
        .addMethod(postSpans, ServerCalls.asyncUnaryCall(this::postSpans))
        .build();
  }

  private void postSpans(byte[] bytes, StreamObserver<PostSpansResponse> observer) {
    Traces traces;
    try {
      traces = JaegerTranslator.toTraces(PostSpansRequest.parseFrom(bytes).getBatch());
    } catch (InvalidProtocolBufferException | WireFormatException e) {
      observer.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.INVALID_ARGUMENT_VALUE)
          .setMessage("PostSpansRequest cannot be decoded: " + e.getMessage())
          .build()));
      return;
    }
    consume(traces.withTenant(dev.skein.pipeline.server.Tenancy.current())).whenComplete((v, t) -> {
      if (t == null) {
        observer.onNext(PostSpansResponse.getDefaultInstance());
        observer.onCompleted();
      } else {
        observer.onError(StatusProto.toStatusRuntimeException(dev.skein.pipeline.RpcStatuses.toStatus(PipelineException.classify(t))));
      }
    });
  }

  /**
   * Drops spans whose IDs OTLP calls invalid (all zero), which Jaeger clients can send but no
   * OpenTelemetry component accepts, and hands the rest on. Jaeger's response has no field for a
   * partial success, so the dropped spans are counted as refused and logged.
   */
  private CompletableFuture<Void> consume(Traces traces) {
    String receiver = settings.id().toString();
    List<String> reasons = new ArrayList<>();
    Traces valid = dropInvalid(traces, reasons);
    int refused = traces.spanCount() - valid.spanCount();
    if (refused > 0) {
      settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", receiver, refused);
      log.warn("jaeger receiver \"{}\" dropped {} invalid span{}: {}{}", receiver, refused,
          refused == 1 ? "" : "s", String.join("; ", reasons), refused > reasons.size() ? "; ..." : "");
    }
    if (valid.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    int spans = valid.spanCount();
    CompletableFuture<Void> done;
    try {
      done = next.consume(valid);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.whenComplete((v, t) -> settings.telemetry().add(
        t == null ? "otelcol_receiver_accepted_spans" : "otelcol_receiver_refused_spans",
        "receiver", receiver, spans));
  }

  private static Traces dropInvalid(Traces traces, List<String> reasons) {
    boolean[] anyInvalid = {false};
    traces.forEachSpan((rs, ss, span) -> anyInvalid[0] |= problem(span) != null);
    if (!anyInvalid[0]) {
      return traces;
    }
    Traces.Builder kept = Traces.builder();
    traces.forEachSpan((ResourceSpans rs, ScopeSpans ss, Span span) -> {
      String problem = problem(span);
      if (problem == null) {
        kept.add(rs, ss, span);
      } else if (reasons.size() < MAX_REASONS) {
        reasons.add("span " + Hex.encode(span.getSpanId()) + " of trace " + Hex.encode(span.getTraceId())
            + ": " + problem);
      }
    });
    return kept.build().withTenant(traces.tenant());
  }

  private static @Nullable String problem(Span span) {
    if (!Ids.isValidTraceId(span.getTraceId())) {
      return "trace_id is zero (expected: not all zero)";
    }
    if (!Ids.isValidSpanId(span.getSpanId())) {
      return "span_id is zero (expected: not all zero)";
    }
    return null;
  }

}
