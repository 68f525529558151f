package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Configuration files shaped like the OpenTelemetry Collector's documentation examples: those
 * built from components Skein has load as they are; the others fail with a message that names
 * each unsupported component.
 */
class CollectorExamplesTest {
  static ResolvedConfig load(String name) throws ConfigException {
    Path file = Path.of("src", "test", "resources", "collector-examples", name);
    return ResolvedConfig.resolve(ConfigSource.load(List.of(file)), ComponentRegistry.load());
  }

  @ParameterizedTest
  @ValueSource(strings = {"traces-gateway.yaml", "spanmetrics-connector.yaml", "tail-sampling.yaml",
      "attributes-filter-resource.yaml"})
  void examplesOfSupportedComponentsLoad(String name) throws Exception {
    assertThat(load(name).pipelines()).isNotEmpty();
  }

  @Test
  void unsupportedComponentsAreNamed() {
    try {
      load("full-collector-with-unsupported.yaml");
    } catch (ConfigException e) {
      assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("extensions::pprof: unknown extension type \"pprof\""))
          .anySatisfy(m -> assertThat(m).startsWith("extensions::zpages: unknown extension type \"zpages\""))
          .anySatisfy(m -> assertThat(m).isEqualTo(
              "service::pipelines::logs: \"logs\" pipelines are not supported (expected: traces or metrics)"))
          .anySatisfy(m -> assertThat(m).isEqualTo(
              "service::pipelines::metrics: receiver \"otlp\" does not support metrics"));
      return;
    }
    throw new AssertionError("expected configuration errors");
  }
}
