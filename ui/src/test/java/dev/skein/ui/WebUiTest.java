package dev.skein.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The UI's routes and headers as a browser sees them, and rules its scripts keep. */
class WebUiTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static Server server;

  @BeforeAll
  static void start() {
    var sb = Server.builder().port(new java.net.InetSocketAddress("127.0.0.1", 0), com.linecorp.armeria.common.SessionProtocol.HTTP);
    WebUi.register(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  static void stop() {
    server.stop().join();
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + path);
    return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void assertSecured(HttpResponse<?> r) {
    String csp = r.headers().firstValue("content-security-policy").orElse("");
    assertThat(csp).contains("frame-ancestors 'none'").contains("script-src 'self'").contains("default-src 'none'")
        .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
  }

  static String scriptPath() throws Exception {
    Matcher m = Pattern.compile("src=\"(/static/[0-9a-f]{12}/js/app\\.js)\"").matcher(send("GET", "/").body());
    assertThat(m.find()).as("the page loads its entry module from a versioned path").isTrue();
    return m.group(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/search", "/search?service=a&lookback=1h", "/trace/0af7651916cd43dd8448eb211c80319c",
      "/trace/abc?span=00f067aa0ba902b7", "/compare", "/map", "/services", "/bubbleup"})
  void everyPageAnswersTheSameHtmlThatIsNeverCached(String path) throws Exception {
    HttpResponse<String> r = send("GET", path);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.body()).contains("<main id=\"main\">").doesNotContain("{{version}}");
    assertSecured(r);
  }

  @Test
  void modulesAreJavaScriptCachedAsImmutableUnderTheirVersion() throws Exception {
    HttpResponse<String> r = send("GET", scriptPath());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).matches("(text|application)/javascript.*");
    assertThat(r.headers().firstValue("cache-control").orElse("")).contains("immutable").contains("max-age=");
    assertSecured(r);
    HttpResponse<String> css = send("GET", scriptPath().replace("js/app.js", "app.css"));
    assertThat(css.headers().firstValue("content-type").orElse("")).startsWith("text/css");
  }

  @Test
  void modulesAreCompressedForBrowsersThatAcceptIt() throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + scriptPath().replace("app.js", "trace.js"));
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("class TracePage");
    }
    assertSecured(r);
  }

  @Test
  void missingFilesAndOtherPathsAreNotFoundWithTheHeadersToo() throws Exception {
    HttpResponse<String> missing = send("GET", scriptPath().replace("app.js", "nope.js"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertSecured(missing);
    assertThat(send("GET", "/static/000000000000/js/app.js").statusCode()).isEqualTo(404);
    assertThat(send("GET", "/trace/a/b").statusCode()).isEqualTo(404);
  }

  @Test
  void onlyGetAndHeadAreAllowed() throws Exception {
    assertThat(send("HEAD", "/search").statusCode()).isEqualTo(200);
    HttpResponse<String> post = send("POST", "/search");
    assertThat(post.statusCode()).isEqualTo(405);
    assertSecured(post);
  }

  @Test
  void theVersionIsStableForTheSameFiles() {
    ClassLoader loader = WebUi.class.getClassLoader();
    assertThat(WebUi.version(loader)).hasSize(12).isEqualTo(WebUi.version(loader));
  }

  static List<Path> staticFiles(String suffix) throws IOException, URISyntaxException {
    Path root = Path.of(WebUi.class.getClassLoader().getResource("dev/skein/ui/static/index.html").toURI()).getParent();
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(suffix)).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void scriptsNeverParseDataAsHtmlOrCode() throws Exception {
    Pattern forbidden = Pattern.compile("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\(|new Function|"
        + "setAttribute\\(\\s*['\"]on|javascript:|srcdoc|createContextualFragment|DOMParser");
    List<Path> scripts = staticFiles(".js");
    assertThat(scripts).hasSizeGreaterThan(5);
    for (Path p : scripts) {
      assertThat(Files.readString(p, StandardCharsets.UTF_8)).as(p.getFileName().toString()).doesNotContainPattern(forbidden);
    }
  }

  @Test
  void thePageHasNoInlineScriptOrStyle() throws Exception {
    String html = Files.readString(staticFiles("index.html").get(0), StandardCharsets.UTF_8);
    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("<style").doesNotContain(" style=")
        .doesNotContainPattern("\\son[a-z]+=");
  }

  @Test
  void everyRelativeImportResolves() throws Exception {
    Pattern imp = Pattern.compile("(?:from|import\\()\\s*'(\\./[^']+)'");
    for (Path p : staticFiles(".js")) {
      Matcher m = imp.matcher(Files.readString(p, StandardCharsets.UTF_8));
      while (m.find()) {
        assertThat(p.resolveSibling(m.group(1)).normalize()).as("import %s in %s", m.group(1), p.getFileName()).exists();
      }
    }
  }
}
