package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar skein.jar canary --once} as a process: against a healthy server, one whose pipeline
 * drops spans, and one that wants a bearer token.
 */
class CanaryIT {
  @TempDir
  Path dir;

  @Test
  void theJarsOneShotCanaryPassesAgainstAFreshServer() throws Exception {
    try (TestServer server = new TestServer(dir.resolve("data"))) {
      SkeinProcess.Result r = SkeinProcess.run(dir.resolve("unused"), "canary", "--once", "--traces", "10",
          "--read-delay", "1s", "--target", server.queryUrl(""), "--otlp", server.otlpHttpUrl());

      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.output()).contains("10 traces written, 0 write errors, 10 read back, 0 with problems")
          .containsPattern("check +ok +not_found +missing_spans +incorrect +error")
          .containsPattern("jaeger +10 +0 +0 +0 +0")
          .containsPattern("tempo +10 +0 +0 +0 +0")
          .containsPattern("search +10 +0 +0 +0 +0")
          .contains("PASS");
    }
  }

  @Test
  void spansTheServerDropsAreReportedMissing() throws Exception {
    // A real pipeline that loses the third span of every canary trace: the filter processor drops it.
    SkeinProcess server = serverWith("drop",
        "processors:",
        "  filter/drop:",
        "    traces:",
        "      span:",
        "        - 'attributes[\"canary.index\"] == 2'",
        "service:",
        "  pipelines:",
        "    traces:",
        "      processors: [memory_limiter, filter/drop, batch]");
    try {
      SkeinProcess.Result r = SkeinProcess.run(dir.resolve("unused"), "canary", "--once", "--traces", "10",
          "--read-delay", "1s", "--target", "http://127.0.0.1:" + server.queryPort,
          "--otlp", "http://127.0.0.1:" + server.httpPort);

      assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
      Matcher missing = Pattern.compile("(?m)^\\S+ trace [0-9a-f]{32} (jaeger|tempo): missing_spans: 1 of \\d spans missing: (.*)$")
          .matcher(r.output());
      int reported = 0;
      while (missing.find()) {
        assertThat(missing.group(2)).as("the dropped span is named").matches("#2 \"[^\"]+\" \\([0-9a-f]{16}\\)");
        reported++;
      }
      assertThat(reported).as("each trace is reported missing a span by Jaeger's and Tempo's API: " + r.output()).isEqualTo(20);
      assertThat(r.output()).doesNotContain(": incorrect: ")
          .containsPattern("jaeger +0 +0 +10 +0 +0")
          .containsPattern("tempo +0 +0 +10 +0 +0")
          .containsPattern("search +10 +0 +0 +0 +0")
          .contains("FAIL: 10 of 10 traces read back with problems");
    } finally {
      server.stop();
    }
  }

  @Test
  void theTokenIsSentToAServerBehindBearerTokenAuth() throws Exception {
    SkeinProcess server = serverWith("auth",
        "extensions:",
        "  bearertokenauth:",
        "    token: canary-secret",
        "  query:",
        "    auth:",
        "      authenticator: bearertokenauth",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      http:",
        "        auth:",
        "          authenticator: bearertokenauth",
        "service:",
        "  extensions: [bearertokenauth, storage, query, health_check]");
    try {
      String[] canary = {"canary", "--once", "--traces", "5", "--read-delay", "1s",
          "--target", "http://127.0.0.1:" + server.queryPort, "--otlp", "http://127.0.0.1:" + server.httpPort};
      SkeinProcess.Result refused = SkeinProcess.run(dir.resolve("unused"), canary);
      assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
      assertThat(refused.output()).contains("write failed: POST http://127.0.0.1:" + server.httpPort + "/v1/traces: HTTP 401")
          .contains("0 traces written, 5 write errors, 0 read back")
          .contains("FAIL: no trace was read back");

      List<String> withToken = new ArrayList<>(List.of(canary));
      withToken.addAll(List.of("--token", "canary-secret"));
      SkeinProcess.Result served = SkeinProcess.run(dir.resolve("unused"), withToken.toArray(String[]::new));
      assertThat(served.exitCode()).as(served.output()).isZero();
      assertThat(served.output()).contains("5 traces written, 0 write errors, 5 read back, 0 with problems");
    } finally {
      server.stop();
    }
  }

  /** Starts {@code skein run} as a process with the default configuration and {@code override} merged over it. */
  private SkeinProcess serverWith(String name, String... override) throws Exception {
    Path defaults = Files.writeString(dir.resolve("skein.yaml"), Main.defaultConfigText());
    Path extra = Files.writeString(dir.resolve(name + ".yaml"), String.join("\n", override) + "\n");
    return SkeinProcess.start(dir.resolve("data"), "canary-it-" + name + ".log",
        List.of("run", "--config", defaults.toString(), "--config", extra.toString()));
  }
}
