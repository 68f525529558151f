package dev.skein.examples.shop.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void defaultsAreTwoOrdersASecondOnStandardPortsInATemporaryDirectory() {
    ShopDemo.Options o = ShopDemo.Options.parse();
    assertThat(o.rate).isEqualTo(2);
    assertThat(o.freePorts).isFalse();
    assertThat(o.work).isNull();
    assertThat(o.root.resolve("examples/shop/skein-overrides.yaml")).as("the repository this was built in").exists();
  }

  @Test
  void everyOption() {
    ShopDemo.Options o = ShopDemo.Options.parse("--rate", "0.5", "--free-ports", "--work", "w", "--root", "/r",
        "--skein-jar", "/r/s.jar");
    assertThat(o.rate).isEqualTo(0.5);
    assertThat(o.freePorts).isTrue();
    assertThat(o.work).isEqualTo(Path.of("w").toAbsolutePath());
    assertThat(o.root).isEqualTo(Path.of("/r"));
    assertThat(o.skeinJar).isEqualTo(Path.of("/r/s.jar"));
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> ShopDemo.Options.parse("--rate", "fast"))
        .hasMessage("--rate: fast (expected: a number from 0 to 100)");
    assertThatThrownBy(() -> ShopDemo.Options.parse("--rate", "1000"))
        .hasMessage("--rate: 1000 (expected: a number from 0 to 100)");
    assertThatThrownBy(() -> ShopDemo.Options.parse("--work")).hasMessage("--work needs a value");
    assertThatThrownBy(() -> ShopDemo.Options.parse("--ports")).hasMessage("unknown argument \"--ports\"");
  }
}
