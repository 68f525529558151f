package dev.skein.components.otlpreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.server.Servers;
import dev.skein.pipeline.server.testing.Http2Probe;
import dev.skein.pipeline.server.testing.TestComponents;
import dev.skein.pipeline.server.testing.TestTls;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's {@code tls} settings over real TLS handshakes, with the OpenTelemetry Java SDK's
 * OTLP exporters as clients and certificates made by {@code keytool}.
 */
class OtlpReceiverTlsTest {
  @TempDir static Path dir;
  static TestTls tls;
  private final List<Traces> received = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void certificates() {
    tls = TestTls.create(dir);
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private String serverTls(String extra) {
    return "{cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + extra + "}";
  }

  @Test
  void bothProtocolsServeTlsToTheSdkAndRefuseTls11() throws Exception {
    OtlpReceiver r = start("protocols:\n"
        + "  grpc: {endpoint: 127.0.0.1:0, tls: " + serverTls("") + "}\n"
        + "  http: {endpoint: 127.0.0.1:0, tls: " + serverTls(", min_version: \"1.3\"") + "}\n");
    int grpc = r.activePorts().get(0);
    int http = r.activePorts().get(1);

    assertThat(export(grpc(grpc).setTrustedCertificates(TestTls.bytes(tls.caFile)).build())).isTrue();
    assertThat(export(http(http).setTrustedCertificates(TestTls.bytes(tls.caFile)).build())).isTrue();
    assertThat(received).hasSize(2);
    assertThat(TestTls.helloAlert(grpc, 3, 2)).as("alert protocol_version").isEqualTo(70);
    assertThat(TestTls.helloAlert(http, 3, 2)).as("alert protocol_version").isEqualTo(70);
    assertThat(TestTls.helloAlert(http, 3, 3)).as("min_version 1.3 refuses TLS 1.2").isEqualTo(70);
  }

  @Test
  void clientCaFileAcceptsOnlyTheSdkWithAClientCertificate() throws Exception {
    String mtls = serverTls(", client_ca_file: " + tls.caFile);
    OtlpReceiver r = start("protocols:\n"
        + "  grpc: {endpoint: 127.0.0.1:0, tls: " + mtls + "}\n"
        + "  http: {endpoint: 127.0.0.1:0, tls: " + mtls + "}\n");
    int grpc = r.activePorts().get(0);
    int http = r.activePorts().get(1);
    byte[] ca = TestTls.bytes(tls.caFile);
    byte[] key = TestTls.bytes(tls.clientKeyFile);
    byte[] cert = TestTls.bytes(tls.clientCertFile);

    assertThat(export(grpc(grpc).setTrustedCertificates(ca).build())).isFalse();
    assertThat(export(http(http).setTrustedCertificates(ca).build())).isFalse();
    assertThat(received).isEmpty();
    assertThat(export(grpc(grpc).setTrustedCertificates(ca).setClientTls(key, cert).build())).isTrue();
    assertThat(export(http(http).setTrustedCertificates(ca).setClientTls(key, cert).build())).isTrue();
    assertThat(received).hasSize(2);
  }

  @Test
  void grpcAnnouncesItsMaxConcurrentStreams() throws Exception {
    OtlpReceiver r = start("protocols:\n"
        + "  grpc: {endpoint: 127.0.0.1:0, max_concurrent_streams: 32}\n"
        + "  http: {endpoint: 127.0.0.1:0}\n");

    assertThat(Http2Probe.maxConcurrentStreams(r.activePorts().get(0))).isEqualTo(32);
    assertThat(Http2Probe.maxConcurrentStreams(r.activePorts().get(1)))
        .isEqualTo(Servers.DEFAULT_MAX_CONCURRENT_STREAMS);
  }

  @Test
  void validationNamesEveryKeyWithItsPath() throws Exception {
    assertThat(problems("protocols:\n"
        + "  grpc: {max_concurrent_streams: -1, tls: " + serverTls(", min_version: \"1.0\"") + "}\n"
        + "  http: {tls: {key_file: " + tls.serverKeyFile + ", client_ca_file: /nonexistent/ca.pem},"
        + " auth: {authenticator: \"\"}}\n")).containsExactly(
        "receivers::otlp::protocols::grpc::max_concurrent_streams: -1 (expected: >= 0)",
        "receivers::otlp::protocols::grpc::tls::min_version: \"1.0\" (expected: \"1.2\" or \"1.3\";"
            + " TLS 1.0 and 1.1 are not secure and not served)",
        "receivers::otlp::protocols::http::tls::cert_file: missing (expected: cert_file or cert_pem,"
            + " the server's PEM certificate chain)",
        "receivers::otlp::protocols::http::tls::client_ca_file: \"/nonexistent/ca.pem\" cannot be read"
            + " (expected: a readable PEM file)",
        "receivers::otlp::protocols::http::auth::authenticator: missing (expected: the ID of an"
            + " authenticator extension, e.g. bearertokenauth or basicauth/otlp)");
  }

  private static List<String> problems(String yaml) {
    return TestComponents.problems(new OtlpReceiverFactory(), "receivers", yaml);
  }

  private OtlpReceiver start(String yaml) throws ConfigException {
    OtlpReceiver r = (OtlpReceiver) new OtlpReceiverFactory().createTracesReceiver(
        new CreateSettings(ComponentId.of("otlp"), new Telemetry()),
        TestComponents.config(new OtlpReceiverFactory(), "receivers", yaml), t -> {
          received.add(t);
          return CompletableFuture.completedFuture(null);
        });
    closing.add(r::shutdown);
    r.start(Map::of);
    return r;
  }

  private static OtlpGrpcSpanExporterBuilder grpc(int port) {
    // No retries: a refused handshake is the answer, not a reason to try again.
    return OtlpGrpcSpanExporter.builder().setEndpoint("https://localhost:" + port).setRetryPolicy(null);
  }

  private static OtlpHttpSpanExporterBuilder http(int port) {
    return OtlpHttpSpanExporter.builder().setEndpoint("https://localhost:" + port + "/v1/traces").setRetryPolicy(null);
  }

  /**
   * Whether one span the SDK made, exported by {@code exporter}, reached the receiver. Shutting the
   * provider down waits for the export to finish, and closes the exporter.
   */
  private boolean export(SpanExporter exporter) {
    int before = received.size();
    SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    provider.get("tls-test").spanBuilder("tls-span").startSpan().end();
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return received.size() > before;
  }
}
