package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code skein canary} through the command line, against Skein's all-in-one server in this JVM. */
class CanaryTest {
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(data);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  record Run(int exitCode, String out, String err) {}

  /** Runs {@code skein canary} against the test server with {@code args} added. */
  static Run canary(String... args) {
    List<String> all = new ArrayList<>(List.of("canary", "--target", server.queryUrl(""), "--otlp", server.otlpHttpUrl()));
    all.addAll(List.of(args));
    return skein(all);
  }

  static Run skein(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aOneShotCanaryFindsEveryTraceCompleteAndCorrect() throws Exception {
    Run r = canary("--once", "--read-delay", "1s", "--service", "canary-once");

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("20 traces written, 0 write errors, 20 read back, 0 with problems")
        .containsPattern("jaeger +20 +0 +0 +0 +0")
        .containsPattern("tempo +20 +0 +0 +0 +0")
        .containsPattern("search +20 +0 +0 +0 +0")
        .contains("PASS: every trace read back was found complete and correct by every check");
    assertThat(server.get("/api/services").json().path("data")).extracting(JsonNode::asText)
        .contains("canary-once", "canary-once-api");
  }

  @Test
  void aContinuousCanaryPrintsEachReadCycleAndServesItsCounters() throws Exception {
    int metricsPort = TestServer.freePort();
    CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> canary("--interval", "200ms",
        "--read-delay", "500ms", "--duration", "5s", "--service", "canary-continuous",
        "--metrics-endpoint", "127.0.0.1:" + metricsPort));

    // The counters are served while the canary runs; wait until a trace was read back through search.
    Pattern searchOk = Pattern.compile("(?m)^skein_canary_check_results_total\\{check=\"search\",result=\"ok\"} (\\d+)$");
    String metrics = "";
    long okReads = 0;
    while (okReads == 0) {
      assertThat(running).as("the canary ended before a trace was read back: " + metrics).isNotDone();
      try {
        metrics = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
            .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = searchOk.matcher(metrics);
        okReads = m.find() ? Long.parseLong(m.group(1)) : 0;
      } catch (java.io.IOException notYet) {
        // The metrics endpoint is still starting.
      }
      Thread.sleep(50);
    }
    assertThat(metrics).contains("# TYPE skein_canary_traces_written_total counter")
        .containsPattern("(?m)^skein_canary_traces_written_total [1-9]\\d*$")
        .contains("skein_canary_check_results_total{check=\"jaeger\",result=\"missing_spans\"} 0")
        .contains("skein_canary_write_errors_total 0");

    Run r = running.get(2, TimeUnit.MINUTES);
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).containsPattern("(?m)^\\S+ read back \\d+ traces?: jaeger ok \\d+, tempo ok \\d+, search ok \\d+; total written \\d+")
        .contains("PASS");
    Matcher summary = Pattern.compile("(\\d+) traces written, 0 write errors, (\\d+) read back, 0 with problems")
        .matcher(r.out());
    assertThat(summary.find()).as(r.out()).isTrue();
    assertThat(summary.group(2)).as("every trace written is read back before the canary ends").isEqualTo(summary.group(1));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--target|localhost:16686|--target: \"localhost:16686\" (expected: the query API's base URL",
      "--interval|0s|--interval: \"0s\" (expected: above 0",
      "--read-delay|soon|--read-delay: \"soon\" (expected: a duration",
      "--traces|0|--traces: 0 (expected: 1 to 100000)",
      "--metrics-endpoint|localhost|--metrics-endpoint: \"localhost\" (expected: host:port"})
  void aBadOptionIsNamedAndNothingIsWritten(String option, String value, String message) {
    List<String> args = new ArrayList<>(List.of("canary", "--once", "--service", "canary-never", option, value));
    if (!option.equals("--target")) {
      args.addAll(List.of("--target", server.queryUrl(""), "--otlp", server.otlpHttpUrl()));
    }
    Run r = skein(args);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("skein canary: " + message);
    assertThat(r.out()).doesNotContain("written");
  }
}
