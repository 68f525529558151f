package dev.skein.pipeline.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.server.testing.Http2Probe;
import dev.skein.pipeline.server.testing.TestTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared server setup over real TLS handshakes, and the {@code tls} block's validation. */
class ServersTest {
  @TempDir static Path dir;
  static TestTls tls;
  private final List<Server> servers = new ArrayList<>();

  @BeforeAll
  static void certificates() {
    tls = TestTls.create(dir);
  }

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop().join());
  }

  static TlsServerConfig config(String yaml) throws ConfigException {
    JsonNode node = ConfigSource.parse(yaml, k -> null);
    return ConfigBinder.bind(node, new TlsServerConfig(), "receivers::zipkin::tls");
  }

  static List<String> problems(String yaml) {
    try {
      return config(yaml).validate("receivers::zipkin::tls");
    } catch (ConfigException e) {
      return e.errors();
    }
  }

  String files() {
    return "cert_file: " + tls.serverCertFile + "\nkey_file: " + tls.serverKeyFile + "\n";
  }

  int start(String yaml) throws ConfigException {
    TlsServerConfig c = config(yaml);
    assertThat(c.validate("tls")).isEmpty();
    return serve(c, 0);
  }

  /** Starts a server saying hello at {@code /}; plaintext when {@code tls} is null. */
  int serve(TlsServerConfig tls, int maxConcurrentStreams) {
    Server s = Servers.builder("127.0.0.1:0", tls, "tls", maxConcurrentStreams)
        .service("/", (ctx, req) -> HttpResponse.of("hello"))
        .build();
    s.start().join();
    servers.add(s);
    return s.activeLocalPort();
  }

  static int get(int port, javax.net.ssl.SSLContext context, String... protocols) throws Exception {
    HttpClient.Builder b = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10));
    if (protocols.length > 0) {
      SSLParameters p = context.getDefaultSSLParameters();
      p.setProtocols(protocols);
      b.sslParameters(p);
    }
    return b.build().send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/"))
            .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void servesTlsToAClientThatTrustsTheCa() throws Exception {
    int port = start(files());

    assertThat(get(port, tls.clientContext(null))).isEqualTo(200);
    assertThat(get(port, tls.clientContext(null), "TLSv1.2")).isEqualTo(200);
  }

  @Test
  void refusesTls11ByDefault() throws Exception {
    int port = start(files());

    assertThat(TestTls.helloAlert(port, 3, 2)).as("alert protocol_version").isEqualTo(70);
    assertThat(TestTls.helloAlert(port, 3, 3)).as("a TLS 1.2 hello gets a ServerHello").isEqualTo(-1);
  }

  @Test
  void minVersion13RefusesATls12Client() throws Exception {
    int port = start(files() + "min_version: \"1.3\"\n");

    assertThatThrownBy(() -> get(port, tls.clientContext(null), "TLSv1.2")).isInstanceOf(IOException.class);
    assertThat(get(port, tls.clientContext(null), "TLSv1.3")).isEqualTo(200);
  }

  @Test
  void maxVersion12RefusesATls13OnlyClient() throws Exception {
    int port = start(files() + "max_version: \"1.2\"\n");

    assertThatThrownBy(() -> get(port, tls.clientContext(null), "TLSv1.3")).isInstanceOf(IOException.class);
    assertThat(get(port, tls.clientContext(null))).isEqualTo(200);
  }

  @Test
  void clientCaFileRequiresAClientCertificateTheCaSigned() throws Exception {
    int port = start(files() + "client_ca_file: " + tls.caFile + "\n");

    assertThatThrownBy(() -> get(port, tls.clientContext(null))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(port, tls.clientContext("stranger"))).isInstanceOf(IOException.class);
    assertThat(get(port, tls.clientContext("client"))).isEqualTo(200);
  }

  @Test
  void inlinePemWorksLikeFiles() throws Exception {
    String yaml = "cert_pem: |\n" + indent(Files.readString(tls.serverCertFile))
        + "key_pem: |\n" + indent(Files.readString(tls.serverKeyFile));
    int port = start(yaml);

    assertThat(get(port, tls.clientContext(null))).isEqualTo(200);
  }

  @Test
  void reloadIntervalServesARenewedCertificate() throws Exception {
    Path cert = dir.resolve("reloaded.pem");
    Path key = dir.resolve("reloaded-key.pem");
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    TestTls old = TestTls.create(other);
    Files.copy(old.serverCertFile, cert);
    Files.copy(old.serverKeyFile, key);
    int port = start("cert_file: " + cert + "\nkey_file: " + key + "\nreload_interval: 100ms\n");
    assertThatThrownBy(() -> get(port, tls.clientContext(null))).as("signed by another CA")
        .isInstanceOf(IOException.class);

    Files.copy(tls.serverCertFile, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(tls.serverKeyFile, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int status = 0;
    while (status != 200 && System.nanoTime() < deadline) {
      try {
        status = get(port, tls.clientContext(null));
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    assertThat(status).isEqualTo(200);
  }

  @Test
  void anUnusableCertificateFailsTheBuilderNamingTheKeys() throws Exception {
    TlsServerConfig c = config("cert_file: " + tls.caFile + "\nkey_file: " + tls.clientKeyFile + "\n");

    assertThatThrownBy(() -> Servers.builder("127.0.0.1:0", c, "receivers::zipkin::tls", 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("receivers::zipkin::tls::cert_file, key_file: cannot be used");
  }

  @Test
  void boundsConcurrentStreamsPerConnection() throws Exception {
    assertThat(Http2Probe.maxConcurrentStreams(serve(null, 0))).isEqualTo(Servers.DEFAULT_MAX_CONCURRENT_STREAMS);
    assertThat(Http2Probe.maxConcurrentStreams(serve(null, 16))).isEqualTo(16);
  }

  @Test
  void closesAConnectionThatResetsStreamsRapidly() throws Exception {
    assertThat(Http2Probe.rapidReset(serve(null, 0), Servers.MAX_RESET_FRAMES + 100))
        .as("GOAWAY ENHANCE_YOUR_CALM").isEqualTo(11);
  }

  @Test
  void validationNamesEveryKey() throws Exception {
    String p = "receivers::zipkin::tls";
    assertThat(problems("min_version: \"1.2\"")).containsExactly(
        p + "::cert_file: missing (expected: cert_file or cert_pem, the server's PEM certificate chain)",
        p + "::key_file: missing (expected: key_file or key_pem, the PEM private key of the certificate)");
    assertOnlyProblem(files() + "min_version: \"1.1\"",
        "::min_version: \"1.1\" (expected: \"1.2\" or \"1.3\"; TLS 1.0 and 1.1 are not secure and not served)");
    assertOnlyProblem(files() + "min_version: \"1.0\"",
        "::min_version: \"1.0\" (expected: \"1.2\" or \"1.3\"; TLS 1.0 and 1.1 are not secure and not served)");
    assertOnlyProblem(files() + "min_version: TLS13",
        "::min_version: \"TLS13\" (expected: \"1.2\" or \"1.3\")");
    assertOnlyProblem(files() + "max_version: \"1.1\"",
        "::max_version: \"1.1\" (expected: \"1.2\" or \"1.3\"; TLS 1.0 and 1.1 are not secure and not served)");
    assertOnlyProblem(files() + "min_version: \"1.3\"\nmax_version: \"1.2\"",
        "::max_version: \"1.2\" is below min_version \"1.3\" (expected: max_version >= min_version)");
    assertOnlyProblem(files() + "reload_interval: -1s",
        "::reload_interval: -1s (expected: >= 0)");
    assertOnlyProblem(files() + "reload_interval: soon",
        "::reload_interval: \"soon\" (expected: a duration such as 200ms, 5s or 168h)");
    assertOnlyProblem(files() + "client_ca_file: /nonexistent/ca.pem",
        "::client_ca_file: \"/nonexistent/ca.pem\" cannot be read (expected: a readable PEM file)");
    assertThat(problems(files() + "client_ca_file: " + tls.serverKeyFile)).singleElement().asString()
        .startsWith(p + "::client_ca_file: \"" + tls.serverKeyFile + "\" is not a PEM certificate");
    assertOnlyProblem(files() + "ca_file: /nonexistent/ca.pem",
        "::ca_file: \"/nonexistent/ca.pem\" cannot be read (expected: a readable PEM file)");
    assertOnlyProblem("cert_file: /nonexistent/c.pem\nkey_file: " + tls.serverKeyFile,
        "::cert_file: \"/nonexistent/c.pem\" cannot be read (expected: a readable PEM file)");
    assertOnlyProblem(files() + "cert_pem: x",
        "::cert_pem: set together with cert_file (expected: one of them)");
    assertOnlyProblem(files() + "key_pem: x",
        "::key_pem: set together with key_file (expected: one of them)");
    assertThat(problems("cert_file: " + tls.serverCertFile + "\nkey_file: " + tls.caFile)).singleElement()
        .asString().startsWith(p + "::cert_file, key_file: cannot be used (expected: a PEM certificate chain");
    assertThat(problems(files() + "client_ca: x")).singleElement().asString()
        .startsWith(p + "::client_ca: unknown key").contains("client_ca_file");
  }

  /** Asserts that {@code yaml} has exactly one problem: {@code expected}, after the block's path. */
  private static void assertOnlyProblem(String yaml, String expected) {
    assertThat(problems(yaml)).containsExactly("receivers::zipkin::tls" + expected);
  }

  @Test
  void acceptsTheCollectorsOtherKeys() {
    assertThat(problems(files() + "ca_file: " + tls.caFile + "\ninclude_system_ca_certs_pool: true\n"
        + "min_version: \"1.3\"\nmax_version: \"1.3\"\nreload_interval: 1h\n")).isEmpty();
  }

  private static String indent(String s) {
    StringBuilder b = new StringBuilder();
    s.lines().forEach(l -> b.append("  ").append(l).append('\n'));
    return b.toString();
  }
}
