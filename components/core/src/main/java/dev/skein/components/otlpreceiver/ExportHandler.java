package dev.skein.components.otlpreceiver;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.concurrent.CompletableFuture;

/**
 * What both transports do with a decoded request: drop invalid spans, hand the rest to the
 * pipeline, and answer once the pipeline has (for storage: durably) taken them.
 */
final class ExportHandler {
  private final CreateSettings settings;
  private final TracesConsumer next;

  ExportHandler(CreateSettings settings, TracesConsumer next) {
    this.settings = settings;
    this.next = next;
  }

  /**
   * Hands the valid spans of {@code request} to the pipeline as spans of {@code tenant}.
   * Completes with the response to send, or exceptionally with a {@link PipelineException} that
   * the transport maps to its status codes.
   */
  CompletableFuture<ExportTraceServiceResponse> export(ExportTraceServiceRequest request, String transport,
      String tenant) {
    SpanValidator.Result r = SpanValidator.validate(request);
    String receiver = settings.id().toString();
    ExportTraceServiceResponse response = r.rejected() == 0
        ? ExportTraceServiceResponse.getDefaultInstance()
        : ExportTraceServiceResponse.newBuilder().setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(r.rejected()).setErrorMessage(r.message())).build();
    if (r.rejected() > 0) {
      settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", receiver, r.rejected());
    }
    if (r.accepted().isEmpty()) {
      return CompletableFuture.completedFuture(response);
    }
    int spans = r.accepted().spanCount();
    CompletableFuture<Void> done;
    try {
      done = next.consume(r.accepted().withTenant(tenant));
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.handle((v, t) -> {
      if (t != null) {
        settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", receiver, spans);
        throw PipelineException.classify(t);
      }
      settings.telemetry().add("otelcol_receiver_accepted_spans", "receiver", receiver, spans);
      return response;
    });
  }
}
