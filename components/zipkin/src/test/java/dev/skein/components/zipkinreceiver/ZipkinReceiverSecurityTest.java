package dev.skein.components.zipkinreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.bearertokenauth.BearerTokenAuthFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.server.testing.TestComponents;
import dev.skein.pipeline.server.testing.TestTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's {@code tls} and {@code auth} settings over real TLS handshakes, with certificates
 * made by {@code keytool} and the {@code bearertokenauth} extension built by its factory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZipkinReceiverSecurityTest {
  private static final String TOKEN = "zipkin-s3cret";
  private static final String SPANS = "[{\"id\": \"352bff9a74ca9ad2\", \"traceId\": \"5af7183fb1d4cf5f\","
      + " \"name\": \"get /api\", \"timestamp\": 1556604172355737, \"duration\": 1431,"
      + " \"localEndpoint\": {\"serviceName\": \"backend\"}}]";

  @TempDir static Path dir;
  private TestTls tls;
  private Component bearer;
  private Host host;
  private final BlockingQueue<Traces> received = new LinkedBlockingQueue<>();
  private final List<ZipkinReceiver> receivers = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    tls = TestTls.create(dir);
    bearer = TestComponents.started(new BearerTokenAuthFactory(), "bearertokenauth", "token: " + TOKEN);
    host = () -> Map.of(ComponentId.of("bearertokenauth"), bearer);
  }

  @AfterAll
  void tearDown() {
    receivers.forEach(ZipkinReceiver::shutdown);
    bearer.shutdown();
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  @Test
  void servesTlsAndRefusesTls11() throws Exception {
    ZipkinReceiver r = start("tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + "}");

    assertThat(post(r, tls.clientContext(null)).statusCode()).isEqualTo(202);
    assertThat(received).hasSize(1);
    assertThat(TestTls.helloAlert(r.activePort(), 3, 2)).as("alert protocol_version").isEqualTo(70);
  }

  @Test
  void clientCaFileAcceptsOnlyClientsWithACertificateTheCaSigned() throws Exception {
    ZipkinReceiver r = start("tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile
        + ", client_ca_file: " + tls.caFile + "}");

    assertThatThrownBy(() -> post(r, tls.clientContext(null))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> post(r, tls.clientContext("stranger"))).isInstanceOf(IOException.class);
    assertThat(received).isEmpty();
    assertThat(post(r, tls.clientContext("client")).statusCode()).isEqualTo(202);
    assertThat(received).hasSize(1);
  }

  @Test
  void bearerTokenAuthRefusesARequestWithoutTheToken() throws Exception {
    ZipkinReceiver r = start("auth: {authenticator: bearertokenauth}");

    HttpResponse<String> none = post(r, null);
    HttpResponse<String> wrong = post(r, null, "Authorization", "Bearer guess");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(none.body()).contains("missing Authorization header");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(received).isEmpty();

    assertThat(post(r, null, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(202);
    assertThat(received).hasSize(1);
  }

  @Test
  void tlsAndTokenTogether() throws Exception {
    ZipkinReceiver r = start("tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + "}\n"
        + "auth: {authenticator: bearertokenauth}");

    assertThat(post(r, tls.clientContext(null)).statusCode()).isEqualTo(401);
    assertThat(post(r, tls.clientContext(null), "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(202);
  }

  @Test
  void aMissingAuthenticatorFailsTheStartNamingTheKey() throws Exception {
    ZipkinReceiver r = create("endpoint: 127.0.0.1:0\nauth: {authenticator: bearertokenauth/other}");

    assertThatThrownBy(() -> r.start(host)).isInstanceOf(IllegalStateException.class)
        .hasMessage("auth::authenticator: extension \"bearertokenauth/other\" is not configured in service::extensions");
    r.shutdown();
  }

  @Test
  void validationNamesTheKeys() throws Exception {
    assertThat(problems("tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile
        + ", min_version: \"1.1\"}\nauth: {}")).containsExactly(
        "receivers::zipkin::tls::min_version: \"1.1\" (expected: \"1.2\" or \"1.3\";"
            + " TLS 1.0 and 1.1 are not secure and not served)",
        "receivers::zipkin::auth::authenticator: missing (expected: the ID of an authenticator extension,"
            + " e.g. bearertokenauth or basicauth/otlp)");
    assertThat(problems("tls: {key_file: " + tls.serverKeyFile + "}")).containsExactly(
        "receivers::zipkin::tls::cert_file: missing (expected: cert_file or cert_pem,"
            + " the server's PEM certificate chain)");
    assertThat(problems("auth: {authenticator: \"bearer token\"}")).singleElement().asString()
        .startsWith("receivers::zipkin::auth::authenticator: ");
  }

  private static List<String> problems(String yaml) {
    return TestComponents.problems(new ZipkinReceiverFactory(), "receivers", yaml);
  }

  private ZipkinReceiver create(String yaml) throws ConfigException {
    ZipkinReceiverConfig c = TestComponents.config(new ZipkinReceiverFactory(), "receivers", yaml);
    ZipkinReceiver r = new ZipkinReceiver(new CreateSettings(ComponentId.of("zipkin"), new Telemetry()), c,
        t -> {
          received.add(t);
          return CompletableFuture.completedFuture(null);
        });
    receivers.add(r);
    return r;
  }

  private ZipkinReceiver start(String yaml) throws ConfigException {
    ZipkinReceiver r = create("endpoint: 127.0.0.1:0\n" + yaml);
    r.start(host);
    return r;
  }

  private static HttpResponse<String> post(ZipkinReceiver r, SSLContext context, String... headers)
      throws IOException, InterruptedException {
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (context != null) {
      client.sslContext(context);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create((context != null ? "https://localhost:" : "http://127.0.0.1:")
            + r.activePort() + "/api/v2/spans"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(SPANS));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.build().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
