package dev.skein.components.otlphttpexporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
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
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The otlphttp exporter against Skein's own OTLP/HTTP receiver on a free local port, and a small
 * Armeria server where a test must see the request itself or script the answer.
 */
class OtlpHttpExporterTest {
  private final Telemetry telemetry = new Telemetry();
  private final TestSpans spans = new TestSpans(5);
  private final List<Component> running = new ArrayList<>();
  /** One receiver for the class (starting and stopping one takes seconds); each test plugs in its pipeline. */
  private static final AtomicReference<TracesConsumer> pipeline = new AtomicReference<>();
  private static Component receiver;
  private static int port;

  @BeforeAll
  static void startReceiver() throws Exception {
    port = Components.freePort();
    receiver = Components.receiver(new OtlpReceiverFactory(), "otlp",
        "protocols:\n  http:\n    endpoint: 127.0.0.1:" + port + "\n", t -> pipeline.get().consume(t), new Telemetry());
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
    TracesExporter e = Components.exporter(new OtlpHttpExporterFactory(), "otlphttp",
        "endpoint: http://127.0.0.1:" + port + "\n" + yaml, telemetry);
    e.start(Components.host());
    running.add(e);
    return e;
  }

  private long metric(String name) {
    return Components.metric(telemetry, name, "otlphttp");
  }

  @ParameterizedTest(name = "encoding {0}, compression {1}")
  @CsvSource({"proto, gzip", "proto, none", "json, gzip", "json, none"})
  void theReceiverGetsExactlyTheSpansSent(String encoding, String compression) throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer());
    TracesExporter e = exporter("encoding: " + encoding + "\ncompression: " + compression
        + "\nsending_queue:\n  enabled: false\n");
    List<Traces> sent = List.of(spans.batch("checkout", 4), spans.batch("payments", 2));

    CompletableFuture.allOf(sent.stream().map(e::consume).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(TestSpans.flatten(downstream.received())).containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(6);
  }

  @Test
  void everySpanArrivesThoughTheServerIsUnavailableSeventyPercentOfTheTime() throws Exception {
    // The receiver answers 503 with Retry-After: 1, which the exporter waits out.
    CapturingConsumer downstream = receiver(new CapturingConsumer(0.7,
        PipelineException.retryable("the store is restarting", null)));
    TracesExporter e = exporter("retry_on_failure:\n  initial_interval: 5ms\n  max_interval: 50ms\n"
        + "  max_elapsed_time: 0\n");
    List<Traces> sent = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      sent.add(spans.batch("svc-" + i, 1 + i % 3));
      e.consume(sent.get(i));
    }
    int total = sent.stream().mapToInt(Traces::spanCount).sum();

    assertThat(downstream.awaitSpans(total, Duration.ofSeconds(90))).isEqualTo(total);
    assertThat(TestSpans.flatten(downstream.received())).containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
    // The server stores a batch before the exporter reads its answer and counts it.
    assertThat(Components.eventually(() -> metric("otelcol_exporter_sent_spans") == total, Duration.ofSeconds(30)))
        .isTrue();
  }

  @Test
  void aClientErrorIsPermanent() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer());
    TracesExporter e = exporter("traces_endpoint: http://127.0.0.1:" + port + "/v1/nowhere\n"
        + "sending_queue:\n  enabled: false\nretry_on_failure:\n  initial_interval: 5ms\n");

    CompletableFuture<Void> done = e.consume(spans.batch("a", 2));

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isFalse())
        .hasMessageContaining("HTTP 404").hasMessageContaining("/v1/nowhere");
    assertThat(downstream.calls()).isZero();
  }

  @Test
  void aServerErrorOtherThanTheRetryableOnesIsPermanent() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer(1.0,
        PipelineException.permanent("disk full", null)));
    TracesExporter e = exporter("sending_queue:\n  enabled: false\nretry_on_failure:\n  initial_interval: 5ms\n");

    CompletableFuture<Void> done = e.consume(spans.batch("a", 2));

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isFalse())
        .hasMessageContaining("HTTP 500").hasMessageContaining("disk full");
    assertThat(downstream.calls()).isEqualTo(1);
  }

  @Test
  void spansRejectedInAPartialSuccessAreCountedAndNotSentAgain() throws Exception {
    CapturingConsumer downstream = receiver(new CapturingConsumer());
    TracesExporter e = exporter("encoding: json\nsending_queue:\n  enabled: false\n");
    Traces good = spans.batch("a", 2);
    ResourceSpans rs = good.resourceSpans().get(0);
    ScopeSpans ss = rs.getScopeSpans(0);
    ScopeSpans withInvalid = ss.toBuilder()
        .addSpans(ss.getSpans(0).toBuilder().setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3})))
        .build();

    e.consume(Traces.of(List.of(rs.toBuilder().setScopeSpans(0, withInvalid).build()))).get(30, TimeUnit.SECONDS);

    assertThat(downstream.spans()).isEqualTo(2);
    assertThat(downstream.calls()).isEqualTo(1);
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(2);
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(1);
  }

  @Test
  void anUnreachableServerIsARetryableFailure() throws Exception {
    TracesExporter e = Components.exporter(new OtlpHttpExporterFactory(), "otlphttp", "endpoint: http://127.0.0.1:"
        + Components.freePort() + "\nsending_queue:\n  enabled: false\nretry_on_failure:\n  enabled: false\n",
        telemetry);
    e.start(Components.host());
    running.add(e);

    CompletableFuture<Void> done = e.consume(spans.batch("a", 1));

    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isTrue())
        .hasMessageContaining("cannot connect");
  }

  @Test
  void sendsTheConfiguredHeadersToTracesEndpointAndReadsAJsonPartialSuccess() throws Exception {
    List<AggregatedHttpRequest> seen = new CopyOnWriteArrayList<>();
    ExportTraceServiceResponse partial = ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(2).setErrorMessage("too old"))
        .build();
    Server server = Server.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .service("/custom/traces", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(agg -> {
          seen.add(agg);
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON, OtlpJson.encode(partial));
        })))
        .build();
    server.start().join();
    try {
      TracesExporter e = Components.exporter(new OtlpHttpExporterFactory(), "otlphttp", "traces_endpoint: http://127.0.0.1:"
          + server.activeLocalPort() + "/custom/traces\nencoding: json\nheaders:\n  X-Tenant: acme\n"
          + "sending_queue:\n  enabled: false\n", telemetry);
      e.start(Components.host());
      running.add(e);
      Traces batch = spans.batch("a", 5);

      e.consume(batch).get(30, TimeUnit.SECONDS);

      assertThat(seen).hasSize(1);
      assertThat(seen.get(0).headers().get("x-tenant")).isEqualTo("acme");
      assertThat(seen.get(0).headers().get("content-type")).isEqualTo("application/json");
      assertThat(seen.get(0).headers().get("content-encoding")).isEqualTo("gzip");
      byte[] json = new GZIPInputStream(new ByteArrayInputStream(seen.get(0).content().array()))
          .readAllBytes();
      assertThat(OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance()).getResourceSpansList())
          .isEqualTo(batch.resourceSpans());
      assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(3);
      assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(2);
    } finally {
      server.stop().join();
    }
  }

  @Test
  void tooManyRequestsIsRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Server server = Server.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .service("/v1/traces", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(agg ->
            calls.incrementAndGet() == 1
                ? HttpResponse.of(ResponseHeaders.of(HttpStatus.TOO_MANY_REQUESTS,
                    "retry-after", "0"))
                : HttpResponse.of(HttpStatus.OK))))
        .build();
    server.start().join();
    try {
      TracesExporter e = Components.exporter(new OtlpHttpExporterFactory(), "otlphttp", "endpoint: http://127.0.0.1:"
          + server.activeLocalPort() + "\nsending_queue:\n  enabled: false\nretry_on_failure:\n"
          + "  initial_interval: 5ms\n", telemetry);
      e.start(Components.host());
      running.add(e);

      e.consume(spans.batch("a", 1)).get(30, TimeUnit.SECONDS);

      assertThat(calls.get()).isEqualTo(2);
    } finally {
      server.stop().join();
    }
  }

  @Test
  void readsRetryAfterAsSecondsOrAsADate() {
    assertThat(OtlpHttpSender.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(OtlpHttpSender.retryAfter(null)).isZero();
    assertThat(OtlpHttpSender.retryAfter("soon")).isZero();
    String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(60));
    assertThat(OtlpHttpSender.retryAfter(inAMinute)).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));
  }

  @Test
  void composesTheTracesUrlAsTheCollectorDoes() throws Exception {
    OtlpHttpExporterFactory f = new OtlpHttpExporterFactory();
    assertThat(((OtlpHttpExporterConfig) Components.validConfig(f, "endpoint: https://example.com:4318")).tracesUri())
        .isEqualTo(URI.create("https://example.com:4318/v1/traces"));
    assertThat(((OtlpHttpExporterConfig) Components.validConfig(f, "endpoint: https://example.com/otlp/")).tracesUri())
        .isEqualTo(URI.create("https://example.com/otlp/v1/traces"));
    assertThat(((OtlpHttpExporterConfig) Components.validConfig(f,
        "endpoint: https://example.com\ntraces_endpoint: https://traces.example.com/custom")).tracesUri())
        .isEqualTo(URI.create("https://traces.example.com/custom"));
  }

  @Test
  void validatesItsSettingsNamingTheKey() throws Exception {
    OtlpHttpExporterFactory f = new OtlpHttpExporterFactory();
    assertThat(Components.problems(f, "{}")).anySatisfy(p -> assertThat(p).startsWith("endpoint: missing"));
    assertThat(Components.problems(f, "endpoint: example.com:4318\nencoding: xml\ncompression: br\n"
        + "headers:\n  Host: other\nretry_on_failure:\n  max_elapsed_time: -1s\n"))
        .contains("endpoint: \"example.com:4318\" (expected: an http or https URL with a host)",
            "encoding: \"xml\" (expected: proto or json)", "compression: \"br\" (expected: gzip or none)",
            "retry_on_failure::max_elapsed_time: -1s (expected: >= 0)")
        .anySatisfy(p -> assertThat(p).startsWith("headers: \"Host\""));
  }

  @Test
  void defaultsAreTheCollectors() {
    OtlpHttpExporterConfig c = new OtlpHttpExporterFactory().createDefaultConfig();
    assertThat(c.compression).isEqualTo("gzip");
    assertThat(c.encoding).isEqualTo("proto");
    assertThat(c.timeout).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.sendingQueue.enabled()).isTrue();
  }
}
