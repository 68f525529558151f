package dev.skein.components.auth.internal;

import static dev.skein.components.auth.testing.Extensions.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFileTest {
  private static final Duration LIMIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  /** Loads non-blank content and refuses blank content, recording both. */
  private final List<String> attempts = new CopyOnWriteArrayList<>();
  private final List<String> loaded = new CopyOnWriteArrayList<>();

  private void load(String content) {
    attempts.add(content);
    if (content.isBlank()) {
      throw new IllegalArgumentException("it is blank");
    }
    loaded.add(content);
  }

  @Test
  void loadsAtOpenAndAgainAfterEachChange() throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, "one");
    WatchedFile w = WatchedFile.open(file, "test file", this::load);
    try {
      assertThat(loaded).containsExactly("one");

      replace(file, "two");
      assertThat(eventually(() -> loaded.contains("two"), LIMIT)).isTrue();

      // A bad version is offered once and refused; the next good one loads.
      replace(file, " ");
      assertThat(eventually(() -> attempts.contains(" "), LIMIT)).isTrue();
      Files.delete(file);
      replace(file, "three");
      assertThat(eventually(() -> loaded.contains("three"), LIMIT)).isTrue();
      assertThat(loaded).containsExactly("one", "two", "three");
      assertThat(attempts).containsExactly("one", "two", " ", "three");
    } finally {
      w.close();
    }
  }

  /** Replaces the file whole, so that a poll never sees it half written. */
  private void replace(Path file, String content) throws Exception {
    Path next = Files.writeString(dir.resolve("next"), content);
    Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void followsASymbolicLinkSwappedAsKubernetesDoes() throws Exception {
    Path v1 = Files.createDirectory(dir.resolve("v1"));
    Path v2 = Files.createDirectory(dir.resolve("v2"));
    Files.writeString(v1.resolve("token"), "old");
    Files.writeString(v2.resolve("token"), "new");
    Path data = Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path token = Files.createSymbolicLink(dir.resolve("token"), dir.relativize(data.resolve("token")));
    WatchedFile w = WatchedFile.open(token, "test file", this::load);
    try {
      Path swap = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
      Files.move(swap, data, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      assertThat(eventually(() -> loaded.contains("new"), LIMIT)).isTrue();
    } finally {
      w.close();
    }
  }

  @Test
  void failsToOpenNamingTheFileAndTheProblem() throws Exception {
    assertThatThrownBy(() -> WatchedFile.open(dir.resolve("absent"), "htpasswd::file \"absent\"", this::load))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("htpasswd::file \"absent\": no such file");
    Path blank = dir.resolve("blank");
    Files.writeString(blank, "");
    assertThatThrownBy(() -> WatchedFile.open(blank, "f", this::load)).hasMessage("f: it is blank");
  }
}
