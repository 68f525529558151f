package dev.skein.components.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.server.testing.TestComponents;
import dev.skein.pipeline.server.testing.TestTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The health check over TLS: probes need the CA, and never a credential. */
class HealthCheckTlsTest {
  @TempDir Path dir;

  @Test
  void answersOverTlsWithoutCredentials() throws Exception {
    TestTls tls = TestTls.create(dir);
    HealthCheck h = (HealthCheck) TestComponents.extension(new HealthCheckFactory(), "health_check",
        "endpoint: 127.0.0.1:0\ntls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + "}\n");
    try {
      h.start(Map::of);
      h.ready();
      HttpResponse<String> r = HttpClient.newBuilder().sslContext(tls.clientContext(null))
          .connectTimeout(Duration.ofSeconds(10)).build()
          .send(HttpRequest.newBuilder(URI.create("https://localhost:" + h.activePort() + "/"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"status\":\"Server available\"");
      assertThat(TestTls.helloAlert(h.activePort(), 3, 2)).as("alert protocol_version").isEqualTo(70);
    } finally {
      h.shutdown();
    }
  }
}
