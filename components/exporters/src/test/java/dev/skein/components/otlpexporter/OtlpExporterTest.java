package dev.skein.components.otlpexporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.skein.components.exporters.testing.CapturingConsumer;
import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.components.otlpreceiver.OtlpReceiverFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesExporter;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The otlp exporter against Skein's own OTLP/gRPC receiver on a free local port, and a small
 * Armeria server where a test must see the request itself or script the answer.
 */
class OtlpExporterTest {
  private final Telemetry telemetry = new Telemetry();
  private final TestSpans spans = new TestSpans(3);
  private final List<Component> running = new ArrayList<>();
  /** One receiver for the class (starting and stopping one takes seconds); each test plugs in its pipeline. */
  private static final AtomicReference<TracesConsumer> pipeline = new AtomicReference<>();
  private static Component receiver;
  private static int port;

  @BeforeAll
  static void startReceiver() throws Exception {
    port = Components.freePort();
    receiver = Components.receiver(new OtlpReceiverFactory(), "otlp",
        "protocols:\n  grpc:\n    endpoint: 127.0.0.1:" + port + "\n", t -> pipeline.get().consume(t), new Telemetry());
    receiver.start(Components.host());
  }

  @AfterAll
  static void stopReceiver() {
    receiver.shutdown();
  }

  @AfterEach
  void stop() {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).shutdown();
    }
  }

  private static CapturingConsumer receiver(CapturingConsumer downstream) {
    pipeline.set(downstream);
    return downstream;
  }

  private TracesExporter exporter(String yaml) throws Exception {
    TracesExporter e = Components.exporter(new OtlpExporterFactory(), "otlp",
        "endpoint: 127.0.0.1:" + port + "\ntls:\n  insecure: true\n" + yaml, telemetry);
    e.start(Components.host());
    running.add(e);
    return e;
  }

  private long metric(String name) {
    return Components.metric(telemetry, name, "otlp");
  }

  @Test
  void theReceiverGetsExactlyTheSpansSent() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer());
    TracesExporter e = exporter("sending_queue:\n  enabled: false\n");
    List<Traces> sent = List.of(spans.batch("checkout", 5), spans.batch("payments", 3), spans.batch("orders", 1));

    CompletableFuture.allOf(sent.stream().map(e::consume).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(TestSpans.flatten(downstream.received())).containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(9);
  }

  @Test
  void everySpanArrivesThoughTheServerIsUnavailableSeventyPercentOfTheTime() throws Exception {
    PipelineException unavailable = new PipelineException(PipelineException.Kind.RETRYABLE,
        "the store is restarting", Duration.ofMillis(5), null);
    CapturingConsumer downstream = receiver(new CapturingConsumer(0.7, unavailable));
    TracesExporter e = exporter("retry_on_failure:\n  initial_interval: 5ms\n  max_interval: 50ms\n"
        + "  max_elapsed_time: 0\nsending_queue:\n  num_consumers: 4\n");
    List<Traces> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Traces batch = spans.batch("svc-" + (i % 4), 1 + i % 5);
      sent.add(batch);
      assertThat(e.consume(batch)).isCompleted();
    }
    int total = sent.stream().mapToInt(Traces::spanCount).sum();

    assertThat(downstream.awaitSpans(total, Duration.ofSeconds(60))).isEqualTo(total);
    assertThat(TestSpans.flatten(downstream.received())).containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
    assertThat(downstream.calls()).isGreaterThan(sent.size());
    // The server stores a batch before the exporter reads its answer and counts it.
    assertThat(Components.eventually(() -> metric("otelcol_exporter_sent_spans") == total, Duration.ofSeconds(30)))
        .isTrue();
    assertThat(metric("otelcol_exporter_send_failed_spans")).isZero();
  }

  @Test
  void aPermanentErrorIsNotRetried() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer(1.0,
        PipelineException.permanent("the span is too large", null)));
    TracesExporter e = exporter("sending_queue:\n  enabled: false\nretry_on_failure:\n  initial_interval: 5ms\n");

    CompletableFuture<Void> done = e.consume(spans.batch("a", 2));

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isFalse())
        .hasMessageContaining("INTERNAL").hasMessageContaining("the span is too large");
    assertThat(downstream.calls()).isEqualTo(1);
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(2);
  }

  @Test
  void spansRejectedInAPartialSuccessAreCountedAndNotSentAgain() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer());
    TracesExporter e = exporter("sending_queue:\n  enabled: false\n");
    Traces good = spans.batch("a", 3);
    ResourceSpans rs = good.resourceSpans().get(0);
    ScopeSpans ss = rs.getScopeSpans(0);
    Span invalid = ss.getSpans(0).toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build();
    Traces mixed = Traces.of(List.of(rs.toBuilder().setScopeSpans(0, ss.toBuilder().addSpans(invalid)).build()));

    e.consume(mixed).get(30, TimeUnit.SECONDS);

    assertThat(downstream.spans()).isEqualTo(3);
    assertThat(downstream.calls()).isEqualTo(1);
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(3);
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(1);
  }

  @Test
  void anUnreachableServerIsARetryableFailure() throws Exception {
    TracesExporter e = Components.exporter(new OtlpExporterFactory(), "otlp", "endpoint: 127.0.0.1:"
        + Components.freePort() + "\ntls:\n  insecure: true\nsending_queue:\n  enabled: false\n"
        + "retry_on_failure:\n  enabled: false\n", telemetry);
    e.start(Components.host());
    running.add(e);

    CompletableFuture<Void> done = e.consume(spans.batch("a", 1));

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isTrue())
        .hasMessageContaining("UNAVAILABLE").hasMessageContaining("Connection refused");
  }

  @Test
  void sendsTheConfiguredHeadersGzipped() throws Exception {
    List<RequestHeaders> seen = new CopyOnWriteArrayList<>();
    List<ExportTraceServiceRequest> requests = new CopyOnWriteArrayList<>();
    Server server = Server.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .service(GrpcService.builder()
            .addService(new TraceServiceGrpc.TraceServiceImplBase() {
              @Override
              public void export(ExportTraceServiceRequest request,
                  StreamObserver<ExportTraceServiceResponse> observer) {
                requests.add(request);
                observer.onNext(ExportTraceServiceResponse.getDefaultInstance());
                observer.onCompleted();
              }
            }).build())
        .decorator((delegate, ctx, req) -> {
          seen.add(req.headers());
          return delegate.serve(ctx, req);
        })
        .build();
    server.start().join();
    try {
      TracesExporter e = Components.exporter(new OtlpExporterFactory(), "otlp", "endpoint: 127.0.0.1:"
          + server.activeLocalPort() + "\ntls:\n  insecure: true\nheaders:\n  x-tenant: acme\n"
          + "sending_queue:\n  enabled: false\n", telemetry);
      e.start(Components.host());
      running.add(e);
      Traces batch = spans.batch("a", 2);

      e.consume(batch).get(30, TimeUnit.SECONDS);

      assertThat(requests).hasSize(1);
      assertThat(requests.get(0).getResourceSpansList()).isEqualTo(batch.resourceSpans());
      assertThat(seen.get(0).get("x-tenant")).isEqualTo("acme");
      assertThat(seen.get(0).get("grpc-encoding")).isEqualTo("gzip");
      assertThat(seen.get(0).get("user-agent")).startsWith("Skein");
    } finally {
      server.stop().join();
    }
  }

  @Test
  void classifiesStatusCodesAsTheOtlpSpecificationSays() {
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.UNAVAILABLE.asRuntimeException()).kind())
        .isEqualTo(PipelineException.Kind.RETRYABLE);
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.UNAVAILABLE.asRuntimeException()).retryAfter())
        .isZero();
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.DEADLINE_EXCEEDED.asRuntimeException()).isRetryable()).isTrue();
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.INVALID_ARGUMENT.asRuntimeException()).isRetryable()).isFalse();
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.UNAUTHENTICATED.asRuntimeException()).isRetryable()).isFalse();
    // RESOURCE_EXHAUSTED is retryable only when the server says when to come back.
    assertThat(OtlpGrpcSender.classify(io.grpc.Status.RESOURCE_EXHAUSTED.asRuntimeException()).isRetryable()).isFalse();
    PipelineException throttled = OtlpGrpcSender.classify(StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder().setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage("slow down")
            .addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(3)).build()))
            .build()));
    assertThat(throttled.kind()).isEqualTo(PipelineException.Kind.OVER_CAPACITY);
    assertThat(throttled.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(throttled).hasMessageContaining("slow down");
  }

  @Test
  void validatesItsSettingsNamingTheKey() throws Exception {
    OtlpExporterFactory f = new OtlpExporterFactory();
    assertThat(Components.problems(f, "{}")).anySatisfy(p -> assertThat(p).startsWith("endpoint: missing"));
    assertThat(Components.problems(f, "endpoint: collector\n"))
        .anySatisfy(p -> assertThat(p).startsWith("endpoint: \"collector\""));
    assertThat(Components.problems(f, "endpoint: collector:4317\ncompression: zstd\ntimeout: 0s\n"
        + "tls:\n  cert_file: /nonexistent.pem\nsending_queue:\n  queue_size: 0\n"))
        .contains("compression: \"zstd\" (expected: gzip or none)", "timeout: 0s (expected: > 0)",
            "tls: cert_file is set alone (expected: cert_file and key_file together)",
            "sending_queue::queue_size: 0 (expected: > 0)");
    assertThat(Components.problems(f, "endpoint: https://collector:4317\n")).isEmpty();
    assertThat(Components.problems(f, "endpoint: dns:///collector:4317\n")).isEmpty();
    assertThatThrownBy(() -> Components.config(f, "endpoint: a:1\nbalancer: x\n"))
        .hasMessageContaining("balancer").hasMessageContaining("unknown key");
  }

  @Test
  void defaultsAreTheCollectors() {
    OtlpExporterConfig c = new OtlpExporterFactory().createDefaultConfig();
    assertThat(c.compression).isEqualTo("gzip");
    assertThat(c.timeout).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.tls.insecure()).isFalse();
    assertThat(c.sendingQueue.queueSize()).isEqualTo(1000);
    assertThat(c.retryOnFailure.initialInterval()).isEqualTo(Duration.ofSeconds(5));
  }
}
