package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchMainTest {
  @Test
  void resultsNameAJarInsideTheWorkingDirectoryRelativeToIt() {
    Path inside = Path.of("").toAbsolutePath().resolve("target/skein.jar");
    assertThat(BenchMain.shown(inside)).isEqualTo(Path.of("target/skein.jar"));
    assertThat(BenchMain.shown(Path.of("target/skein.jar"))).isEqualTo(Path.of("target/skein.jar"));
  }

  @Test
  void resultsNameAJarElsewhereByItsFileNameOnly() {
    Path elsewhere = Path.of("").toAbsolutePath().getRoot().resolve("home/someone/clone/server/target/skein.jar");
    assertThat(BenchMain.shown(elsewhere)).hasToString("...".concat(java.io.File.separator).concat("skein.jar"));
  }
}
