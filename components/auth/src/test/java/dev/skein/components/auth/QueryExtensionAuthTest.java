package dev.skein.components.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.auth.testing.Extensions;
import dev.skein.components.bearertokenauth.BearerTokenAuthFactory;
import dev.skein.components.query.QueryExtensionFactory;
import dev.skein.components.storage.StorageExtensionFactory;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.server.testing.TestComponents;
import dev.skein.pipeline.server.testing.TestTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query port with {@code auth: {authenticator: bearertokenauth}} and TLS: every route, the
 * APIs and the UI's page and files alike, needs the token, as a browser or Grafana sends it.
 */
class QueryExtensionAuthTest {
  private static final String TOKEN = "query-s3cret";
  @TempDir static Path dir;
  static TestTls tls;
  static Component storage;
  static Component bearer;
  static Component query;
  static HttpClient client;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    tls = TestTls.create(dir);
    storage = TestComponents.extension(new StorageExtensionFactory(), "storage", "backends: {main: {memory: {}}}");
    bearer = TestComponents.extension(new BearerTokenAuthFactory(), "bearertokenauth", "token: " + TOKEN);
    Host host = () -> Map.of(ComponentId.of("storage"), storage, ComponentId.of("bearertokenauth"), bearer);
    storage.start(host);
    bearer.start(host);
    port = Extensions.freePort();
    query = TestComponents.extension(new QueryExtensionFactory(), "query", "endpoint: 127.0.0.1:" + port + "\n"
        + "tls: {cert_file: " + tls.serverCertFile + ", key_file: " + tls.serverKeyFile + "}\n"
        + "auth: {authenticator: bearertokenauth}\n");
    query.start(host);
    client = HttpClient.newBuilder().sslContext(tls.clientContext(null)).connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    query.shutdown();
    bearer.shutdown();
    storage.shutdown();
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyRouteRefusesARequestWithoutTheToken() throws Exception {
    for (String path : List.of("/", "/search", "/api/services", "/api/v3/services", "/api/search?q=%7B%7D",
        "/api/traces/5b8efff798038103d269b633813fc60c", "/no/such/path")) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).as(path).hasValue("Bearer realm=\"bearertokenauth\"");
      assertThat(r.body()).as(path).isEqualTo("missing Authorization header\n");
    }
  }

  @Test
  void aWrongTokenIsRefusedWithoutEchoingIt() throws Exception {
    HttpResponse<String> r = get("/api/services", "Authorization", "Bearer guessed-token");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"bearertokenauth\", error=\"invalid_token\"");
    assertThat(r.body()).doesNotContain("guessed");
  }

  @Test
  void theTokenOpensTheApiAndTheUi() throws Exception {
    String auth = "Bearer " + TOKEN;
    HttpResponse<String> services = get("/api/services", "Authorization", auth);
    assertThat(services.statusCode()).isEqualTo(200);
    assertThat(services.body()).contains("\"data\"");
    HttpResponse<String> page = get("/", "Authorization", auth);
    assertThat(page.statusCode()).isEqualTo(200);
    String script = page.body().replaceAll("(?s).*src=\"(/static/[^\"]+\\.js)\".*", "$1");
    assertThat(script).startsWith("/static/");
    assertThat(get(script).statusCode()).as("the UI's files need the token too").isEqualTo(401);
    assertThat(get(script, "Authorization", auth).statusCode()).isEqualTo(200);
  }

  @Test
  void aMissingAuthenticatorFailsTheStartNamingTheKey() throws Exception {
    Component q = TestComponents.extension(new QueryExtensionFactory(), "query",
        "endpoint: 127.0.0.1:0\nauth: {authenticator: bearertokenauth/ui}\n");

    assertThatThrownBy(() -> q.start(() -> Map.of(ComponentId.of("storage"), storage)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("auth::authenticator: extension \"bearertokenauth/ui\" is not configured in service::extensions");
    q.shutdown();
  }
}
