package dev.skein.components.exporters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.exporters.testing.CapturingConsumer;
import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.SelfSignedCertificate;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.components.otlpexporter.OtlpExporterFactory;
import dev.skein.components.otlphttpexporter.OtlpHttpExporterFactory;
import dev.skein.components.otlpreceiver.OtlpReceiverFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The otlp and otlphttp exporters' {@code tls} settings against Skein's OTLP receiver serving TLS,
 * with certificates made by the JDK's keytool (a process, hence an IT).
 */
class OtlpTlsIT {
  @TempDir
  static Path dir;

  private static final AtomicReference<CapturingConsumer> pipeline = new AtomicReference<>();
  private static SelfSignedCertificate local;
  private static SelfSignedCertificate elsewhere;
  private static Component receiver;
  private static Component elsewhereReceiver;
  private static int grpcPort;
  private static int httpPort;
  private static int elsewherePort;

  private final TestSpans spans = new TestSpans(13);

  @BeforeAll
  static void start() throws Exception {
    local = SelfSignedCertificate.create(dir, "local", "localhost", "dns:localhost,ip:127.0.0.1");
    elsewhere = SelfSignedCertificate.create(dir, "elsewhere", "elsewhere.example", "dns:elsewhere.example");
    grpcPort = Components.freePort();
    httpPort = Components.freePort();
    elsewherePort = Components.freePort();
    String tls = "    tls:\n      cert_file: " + local.certFile() + "\n      key_file: " + local.keyFile() + "\n";
    receiver = Components.receiver(new OtlpReceiverFactory(), "otlp",
        "protocols:\n  grpc:\n    endpoint: 127.0.0.1:" + grpcPort + "\n" + tls
            + "  http:\n    endpoint: 127.0.0.1:" + httpPort + "\n" + tls,
        t -> pipeline.get().consume(t), new Telemetry());
    receiver.start(Components.host());
    elsewhereReceiver = Components.receiver(new OtlpReceiverFactory(), "otlp/elsewhere",
        "protocols:\n  grpc:\n    endpoint: 127.0.0.1:" + elsewherePort + "\n    tls:\n      cert_file: "
            + elsewhere.certFile() + "\n      key_file: " + elsewhere.keyFile() + "\n",
        t -> pipeline.get().consume(t), new Telemetry());
    elsewhereReceiver.start(Components.host());
  }

  @AfterAll
  static void stop() {
    receiver.shutdown();
    elsewhereReceiver.shutdown();
  }

  private void send(ExporterFactory<?> factory, String yaml) throws Exception {
    CapturingConsumer downstream = new CapturingConsumer();
    pipeline.set(downstream);
    TracesExporter e = Components.exporter(factory, "x", yaml
        + "sending_queue:\n  enabled: false\nretry_on_failure:\n  enabled: false\n", new Telemetry());
    e.start(Components.host());
    try {
      Traces batch = spans.batch("secure", 3);
      e.consume(batch).get(30, TimeUnit.SECONDS);
      assertThat(downstream.received()).containsExactly(batch);
    } finally {
      e.shutdown();
    }
  }

  @Test
  void grpcVerifiesTheServerWithCaFile() throws Exception {
    send(new OtlpExporterFactory(), "endpoint: 127.0.0.1:" + grpcPort + "\ntls:\n  ca_file: " + local.certFile() + "\n");
  }

  @Test
  void httpVerifiesTheServerWithCaFile() throws Exception {
    send(new OtlpHttpExporterFactory(), "endpoint: https://127.0.0.1:" + httpPort + "\ntls:\n  ca_file: "
        + local.certFile() + "\nencoding: json\n");
  }

  @Test
  void grpcRefusesAServerItCannotVerify() {
    assertThatThrownBy(() -> send(new OtlpExporterFactory(), "endpoint: 127.0.0.1:" + grpcPort + "\n"))
        .cause().isInstanceOf(PipelineException.class).hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void httpRefusesAServerItCannotVerify() {
    assertThatThrownBy(() -> send(new OtlpHttpExporterFactory(), "endpoint: https://127.0.0.1:" + httpPort + "\n"))
        .cause().isInstanceOf(PipelineException.class).hasMessageContaining("SSLHandshakeException");
  }

  @Test
  void insecureSkipVerifyAcceptsAnyCertificateAndHostName() throws Exception {
    send(new OtlpExporterFactory(), "endpoint: 127.0.0.1:" + elsewherePort + "\ntls:\n  insecure_skip_verify: true\n");
  }

  @Test
  void caFileAloneDoesNotAcceptAnotherHostName() {
    assertThatThrownBy(() -> send(new OtlpExporterFactory(), "endpoint: 127.0.0.1:" + elsewherePort
        + "\ntls:\n  ca_file: " + elsewhere.certFile() + "\n"))
        .cause().isInstanceOf(PipelineException.class).hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void insecureTalksPlainTextToAPlainTextServer() throws Exception {
    int port = Components.freePort();
    Component plain = Components.receiver(new OtlpReceiverFactory(), "otlp/plain",
        "protocols:\n  grpc:\n    endpoint: 127.0.0.1:" + port + "\n", t -> pipeline.get().consume(t), new Telemetry());
    plain.start(Components.host());
    try {
      send(new OtlpExporterFactory(), "endpoint: http://127.0.0.1:" + port + "\ntls:\n  insecure: true\n");
    } finally {
      plain.shutdown();
    }
  }
}
