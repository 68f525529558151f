package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's subcommands as a user runs them: {@code java -jar skein.jar ...}. */
class CommandLineIT {
  @TempDir
  Path dir;

  @Test
  void validateReportsEveryErrorWithItsPathAndFails() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpont: 0.0.0.0:4317",
        "processors:",
        "  batch:",
        "    send_batch_size: 0",
        "exporters:",
        "  storage:",
        "service:",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      processors: [batch, batch/2]",
        "      exporters: [storage]",
        ""));
    SkeinProcess.Result r = SkeinProcess.run(dir, "validate", "--config", config.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.output())
        .contains("The configuration has 3 errors")
        .contains("receivers::otlp::protocols::grpc::endpont: unknown key (did you mean \"endpoint\"?)")
        .contains("processors::batch::send_batch_size: 0 (expected: > 0)")
        .contains("service::pipelines::traces: references processor \"batch/2\" which is not configured");
  }

  @Test
  void theDefaultConfigurationPrintsAndValidates() throws Exception {
    SkeinProcess.Result printed = SkeinProcess.run(dir, "run", "--print-default-config");
    assertThat(printed.exitCode()).isZero();
    assertThat(printed.output()).contains("receivers:", "otlp:", "batch:", "storage:");
    Path config = Files.writeString(dir.resolve("default.yaml"), printed.output());
    SkeinProcess.Result valid = SkeinProcess.run(dir, "validate", "--config", config.toString());
    assertThat(valid.exitCode()).as(valid.output()).isZero();
    assertThat(valid.output()).contains("The configuration is valid");
  }

  /** The demo itself runs in examples/shop's end-to-end test; here, what the server jar says about it. */
  @Test
  void demoExplainsItselfAndSaysWhenItIsNotBuilt() throws Exception {
    SkeinProcess.Result help = SkeinProcess.run(dir, "demo", "--help");
    assertThat(help.exitCode()).as(help.output()).isZero();
    assertThat(help.output()).contains("./skein demo", "Ctrl-C", "--rate", "--free-ports", "--work", "docs/demo.md");

    SkeinProcess.Result badRate = SkeinProcess.run(dir, "demo", "--rate", "-1");
    assertThat(badRate.exitCode()).isEqualTo(2);
    assertThat(badRate.output()).contains("--rate: -1.0 (expected: 0 to 100)");

    // A server jar outside a source checkout has no demo beside it. A hard link, not a symbolic
    // one: the JVM follows a symbolic link to the jar it names, back inside this checkout.
    Path jar = Files.createDirectories(Path.of("target", "outside-checkout", "server", "target").toAbsolutePath())
        .resolve("skein.jar");
    Files.deleteIfExists(jar);
    Files.createLink(jar, SkeinProcess.jar().toAbsolutePath());
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "demo", "--free-ports", "--rate", "0").redirectErrorStream(true).start();
    try {
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("skein demo ended").isTrue();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(output).isEqualTo(2);
      assertThat(output).contains("skein demo: the demo "
          + jar.getParent().getParent().getParent().resolve("examples/shop/demo/target/shop-demo.jar")
          + " is not built (expected: run ./skein demo from a source checkout, which builds it)");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void benchNamesItsSuitesAndRejectsOthers() throws Exception {
    SkeinProcess.Result help = SkeinProcess.run(dir, "bench", "--help");
    assertThat(help.exitCode()).as(help.output()).isZero();
    assertThat(help.output()).contains("ingest, query, metrics, reliability or all", "--quick", "./skein bench");
    SkeinProcess.Result wrong = SkeinProcess.run(dir, "bench", "everything");
    assertThat(wrong.exitCode()).isEqualTo(2);
    assertThat(wrong.output()).contains("SUITE: everything (expected: ingest, query, metrics, reliability or all)");
    SkeinProcess.Result none = SkeinProcess.run(dir, "bench");
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.output()).contains("Missing required parameter: 'SUITE'");
  }

  @Test
  void runServesItsOwnMetricsAndStopsCleanlyOnSigterm() throws Exception {
    SkeinProcess p = SkeinProcess.start(dir.resolve("data"), "command-line-it.log");
    try {
      String body = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
          + "\"value\":{\"stringValue\":\"metrics-test\"}}]},\"scopeSpans\":[{\"spans\":[{"
          + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
          + "\"name\":\"GET /\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}";
      HttpResponse<String> sent = TestServer.HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + p.httpPort + "/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(sent.statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = TestServer.HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + p.metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body())
          .contains("# TYPE otelcol_receiver_accepted_spans_total counter")
          .contains("otelcol_receiver_accepted_spans_total{receiver=\"otlp\"} 1")
          .contains("otelcol_exporter_sent_spans_total{exporter=\"storage\"} 1")
          .contains("# TYPE skein_storage_disk_used_bytes gauge")
          .contains("skein_storage_open_tenant_stores{backend=\"main\"} 0");
      // The embedded store in the data directory: its database file at least, and room left.
      long databaseFile = Files.size(dir.resolve("data").resolve("skein.duckdb"));
      assertThat(gauge(metrics.body(), "skein_storage_disk_used_bytes{backend=\"main\"}"))
          .isGreaterThanOrEqualTo(databaseFile).isPositive();
      assertThat(gauge(metrics.body(), "skein_storage_disk_free_bytes{backend=\"main\"}")).isPositive();
    } finally {
      assertThat(p.stop()).isIn(0, 143);
    }
    assertThat(Files.readString(p.log)).contains("Skein started").doesNotContain("Exception");
  }

  /** The value of the series {@code series} in Prometheus text. */
  private static long gauge(String text, String series) {
    return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Long.parseLong(l.substring(series.length() + 1).strip()))
        .orElseThrow(() -> new AssertionError(series + " is not in the metrics:\n" + text));
  }
}
