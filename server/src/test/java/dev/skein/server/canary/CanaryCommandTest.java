package dev.skein.server.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How {@code skein canary}'s options become the canary's settings. */
class CanaryCommandTest {
  private static Canary.Settings settings(String... args) {
    CanaryCommand command = new CanaryCommand();
    new CommandLine(command).parseArgs(args);
    return command.settings();
  }

  @Test
  void theDefaultsWriteToTheTargetsHostOnPort4318AndRunUntilStopped() {
    Canary.Settings s = settings("--target", "http://skein.example:16686");
    assertThat(s.otlp()).hasToString("http://skein.example:4318/v1/traces");
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.readDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.duration()).isNull();
    assertThat(s.once()).isFalse();
    assertThat(s.traces()).isEqualTo(20);
    assertThat(s.service()).isEqualTo("skein-canary");
  }

  @Test
  void anOtlpUrlWithoutPathGetsTheTracesPath() {
    assertThat(settings("--target", "https://q.example", "--otlp", "https://in.example:443").otlp())
        .hasToString("https://in.example:443/v1/traces");
    assertThat(settings("--target", "https://q.example", "--otlp", "http://in.example:4318/custom/traces").otlp())
        .hasToString("http://in.example:4318/custom/traces");
  }

  @Test
  void durationsAreGoDurations() {
    Canary.Settings s = settings("--target", "http://q:16686", "--interval", "250ms", "--read-delay", "1m30s",
        "--duration", "2h");
    assertThat(s.interval()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.readDelay()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.duration()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aBlankTokenIsNoToken() {
    assertThat(settings("--target", "http://q:16686", "--token", " ").token()).isNull();
    assertThat(settings("--target", "http://q:16686", "--token", "s3cret").token()).isEqualTo("s3cret");
  }

  @Test
  void onceAndDurationExcludeEachOther() {
    assertThatThrownBy(() -> settings("--target", "http://q:16686", "--once", "--duration", "1m"))
        .hasMessage("--duration: cannot be combined with --once (expected: one of them)");
  }

  @Test
  void aNegativeReadDelayIsRefused() {
    assertThatThrownBy(() -> settings("--target", "http://q:16686", "--read-delay", "-1s"))
        .hasMessage("--read-delay: \"-1s\" (expected: not negative, such as 10s)");
  }
}
