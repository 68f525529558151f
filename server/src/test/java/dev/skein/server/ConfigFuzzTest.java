package dev.skein.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.util.Map;

/**
 * Fuzz test of the configuration loader as {@code ./skein run} and {@code ./skein validate} run it:
 * parse the YAML, substitute variables, then bind and validate every component with all of
 * Skein's components registered. It lives here rather than in {@code pipeline} because only the
 * server's classpath has every component, so the fuzzer reaches each component's configuration
 * too. Any text either resolves or fails with a {@link ConfigException} listing its problems; any
 * other exception is a bug. {@code ./skein test} runs it over the configurations in
 * {@code ConfigFuzzTestInputs}; {@code ./skein fuzz} fuzzes it.
 */
class ConfigFuzzTest {
  private static final ComponentRegistry REGISTRY = ComponentRegistry.load();
  private static final Map<String, String> ENV = Map.of("HOST", "0.0.0.0", "PORT", "4317", "DATA", "data");

  @FuzzTest
  void load(byte[] yaml) {
    ResolvedConfig config;
    try {
      config = ResolvedConfig.resolve(ConfigSource.parse(new String(yaml, UTF_8), ENV::get), REGISTRY);
    } catch (ConfigException e) {
      assertThat(e.errors()).isNotEmpty().allSatisfy(error -> assertThat(error).isNotBlank());
      return;
    }
    assertThat(config.pipelines().isEmpty() && config.extensions().isEmpty()).isFalse();
  }
}
