package dev.skein.components.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.storage.StorageExtensionFactory;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Host;
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
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query port (APIs and UI) with {@code tls}: real handshakes from the JDK's HTTP client, with
 * certificates made by {@code keytool}, over an in-memory backend.
 */
class QueryExtensionTlsTest {
  @TempDir static Path dir;
  static TestTls tls;
  static Component storage;
  static Host host;
  private final List<Component> started = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    tls = TestTls.create(dir);
    storage = TestComponents.extension(new StorageExtensionFactory(), "storage", "backends: {main: {memory: {}}}");
    host = () -> Map.of(ComponentId.of("storage"), storage);
    storage.start(host);
  }

  @AfterAll
  static void tearDown() {
    storage.shutdown();
  }

  @AfterEach
  void stop() {
    started.forEach(Component::shutdown);
  }

  private int start(String tlsExtra) throws Exception {
    Component q = TestComponents.extension(new QueryExtensionFactory(), "query", "endpoint: 127.0.0.1:0\n"
        + "tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + tlsExtra + "}\n");
    started.add(q);
    q.start(host);
    return ((QueryExtension) q).activePort();
  }

  static HttpResponse<String> get(int port, String path, SSLContext context) throws IOException, InterruptedException {
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build()
        .send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path)).timeout(Duration.ofSeconds(10))
            .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheApiAndTheUiOverTlsAndRefusesTls11() throws Exception {
    int port = start("");

    HttpResponse<String> services = get(port, "/api/services", tls.clientContext(null));
    assertThat(services.statusCode()).isEqualTo(200);
    assertThat(services.body()).contains("\"data\"");
    HttpResponse<String> page = get(port, "/", tls.clientContext(null));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<html");
    assertThat(TestTls.helloAlert(port, 3, 2)).as("alert protocol_version").isEqualTo(70);
  }

  @Test
  void clientCaFileAdmitsOnlyClientsWithACertificateTheCaSigned() throws Exception {
    int port = start(", client_ca_file: " + tls.caFile);

    assertThatThrownBy(() -> get(port, "/api/services", tls.clientContext(null))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(port, "/", tls.clientContext("stranger"))).isInstanceOf(IOException.class);
    assertThat(get(port, "/api/services", tls.clientContext("client")).statusCode()).isEqualTo(200);
    assertThat(get(port, "/", tls.clientContext("client")).statusCode()).isEqualTo(200);
  }

  @Test
  void validationNamesTheKeys() throws Exception {
    assertThatThrownBy(() -> TestComponents.extension(new QueryExtensionFactory(), "query",
        "tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + ", min_version: \"1.1\"}\n"
            + "auth: {}"))
        .hasMessageContaining("tls::min_version: \"1.1\" (expected: \"1.2\" or \"1.3\";"
            + " TLS 1.0 and 1.1 are not secure and not served)")
        .hasMessageContaining("auth::authenticator: missing (expected: the ID of an authenticator extension");
  }
}
