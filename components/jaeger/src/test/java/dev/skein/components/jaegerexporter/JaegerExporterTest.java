package dev.skein.components.jaegerexporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.jaegerreceiver.JaegerReceiverFactory;
import dev.skein.jaeger.JaegerFixtures;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import dev.skein.pipeline.config.ConfigBinder;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole {@code jaeger} exporter, built by its factory with the exporter helper around the sender. */
class JaegerExporterTest {
  private static final Host HOST = Map::of;
  private static final List<ResourceSpans> RECEIVED = new CopyOnWriteArrayList<>();
  private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
  private static Component receiver;
  private static int port;

  @BeforeAll
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void startReceiver() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ReceiverFactory<ComponentConfig> factory = (ReceiverFactory) new JaegerReceiverFactory();
    ComponentConfig config = bind(factory.createDefaultConfig(),
        "{'protocols': {'grpc': {'endpoint': '127.0.0.1:" + port + "'}}}");
    receiver = factory.createTracesReceiver(new CreateSettings(ComponentId.of("jaeger"), new Telemetry()), config,
        traces -> {
          if (FAILURES_LEFT.getAndDecrement() > 0) {
            return CompletableFuture.failedFuture(PipelineException.retryable("warming up", null));
          }
          RECEIVED.addAll(traces.resourceSpans());
          return CompletableFuture.completedFuture(null);
        });
    receiver.start(HOST);
  }

  @AfterAll
  static void stopReceiver() {
    receiver.shutdown();
  }

  @Test
  void retriesUntilTheCollectorTakesTheSpans() throws Exception {
    RECEIVED.clear();
    FAILURES_LEFT.set(2);
    Telemetry telemetry = new Telemetry();
    TracesExporter exporter = exporter(telemetry, "{'endpoint': '127.0.0.1:" + port + "', 'tls': {'insecure': true},"
        + " 'sending_queue': {'enabled': false},"
        + " 'retry_on_failure': {'initial_interval': '10ms', 'max_interval': '20ms', 'max_elapsed_time': '30s'}}");
    exporter.start(HOST);
    try {
      Traces traces = Traces.of(List.of(JaegerFixtures.everyCarriedField().resourceSpans().get(0)));

      exporter.consume(traces).get(30, TimeUnit.SECONDS);

      assertThat(RECEIVED).containsExactlyElementsOf(traces.resourceSpans());
      assertThat(telemetry.counters())
          .containsEntry(new Telemetry.Key("otelcol_exporter_sent_spans", "exporter", "jaeger"), 3L);
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void theDefaultQueueDeliversWhatItAccepted() throws Exception {
    RECEIVED.clear();
    FAILURES_LEFT.set(0);
    TracesExporter exporter = exporter(new Telemetry(),
        "{'endpoint': '127.0.0.1:" + port + "', 'tls': {'insecure': true}}");
    exporter.start(HOST);
    Traces traces = JaegerFixtures.everyCarriedField();

    exporter.consume(traces).get(30, TimeUnit.SECONDS);
    exporter.shutdown();

    assertThat(RECEIVED).as("shutdown drains the queue").containsExactlyInAnyOrderElementsOf(traces.resourceSpans());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static TracesExporter exporter(Telemetry telemetry, String json) throws Exception {
    ExporterFactory<ComponentConfig> factory = (ExporterFactory) new JaegerExporterFactory();
    ComponentConfig config = bind(factory.createDefaultConfig(), json);
    assertThat(config.validate()).isEmpty();
    return factory.createTracesExporter(new CreateSettings(ComponentId.of("jaeger"), telemetry), config);
  }

  private static <C> C bind(C defaults, String json) throws Exception {
    return ConfigBinder.bind(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.replace('\'', '"')),
        defaults, "x");
  }
}
