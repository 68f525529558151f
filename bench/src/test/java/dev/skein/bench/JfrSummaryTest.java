package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JfrSummaryTest {
  @TempDir
  Path dir;

  @Test
  void samplesCountForTheSkeinCodeOnTheStackAndForTheLibraryThatRan() throws Exception {
    Path file = dir.resolve("profile.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      // Hash for a second of wall time, so that the sampler catches this thread in SHA-256.
      long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      byte[] data = "a span's bytes".repeat(100).getBytes(StandardCharsets.UTF_8);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      while (System.nanoTime() < end) {
        data[0] = sha.digest(data)[0];
      }
      recording.stop();
      recording.dump(file);
    }
    JfrSummary.Summary s = JfrSummary.read(file, 5);
    assertThat(s.samples()).isPositive();
    assertThat(s.stages().get(0).name()).isEqualTo("other Skein code");
    assertThat(s.layers().get(0).name()).isEqualTo("SHA-256 hashing (JDK)");
    assertThat(s.insideTopStage()).extracting(JfrSummary.Cost::name).contains("SHA-256 hashing (JDK)");
    assertThat(s.stages().stream().mapToDouble(JfrSummary.Cost::share).sum()).isLessThanOrEqualTo(1.0 + 1e-9);
  }
}
