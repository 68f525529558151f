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

  @Test
  void subcommandsThatAreNotBuiltYetSaySo() throws Exception {
    for (String cmd : new String[] {"demo", "bench"}) {
      SkeinProcess.Result r = SkeinProcess.run(dir, cmd);
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.output()).contains("skein " + cmd + " is not available yet");
    }
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
          .contains("otelcol_exporter_sent_spans_total{exporter=\"storage\"} 1");
    } finally {
      assertThat(p.stop()).isIn(0, 143);
    }
    assertThat(Files.readString(p.log)).contains("Skein started").doesNotContain("Exception");
  }
}
