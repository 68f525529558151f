package dev.skein.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigResolutionTest {
  static final ComponentRegistry REGISTRY = ComponentRegistry.of(new TestComponents.SourceFactory(),
      new TestComponents.CountingFactory(), new TestComponents.SinkFactory(), new TestComponents.NoteFactory(),
      new TestComponents.LinkFactory(), new TestComponents.MetricSinkFactory());

  static final String VALID = String.join("\n",
      "receivers:",
      "  source:",
      "    interval: 1h30m",
      "    nested: {size: 5}",
      "processors:",
      "  counting:",
      "  counting/2:",
      "exporters:",
      "  sink:",
      "extensions:",
      "  note:",
      "service:",
      "  extensions: [note]",
      "  pipelines:",
      "    traces:",
      "      receivers: [source]",
      "      processors: [counting, counting/2]",
      "      exporters: [sink]",
      "");

  static ResolvedConfig resolve(String yaml, Map<String, String> env) throws ConfigException {
    return ResolvedConfig.resolve(ConfigSource.parse(yaml, env::get), REGISTRY);
  }

  static List<String> errors(String yaml) {
    try {
      resolve(yaml, Map.of());
    } catch (ConfigException e) {
      return e.errors();
    }
    throw new AssertionError("expected configuration errors");
  }

  @Test
  void defaultsAreKeptAndYamlIsLaidOverThem() throws Exception {
    ResolvedConfig c = resolve(VALID, Map.of());
    TestComponents.SourceConfig s = (TestComponents.SourceConfig)
        c.component(ComponentKind.RECEIVER, ComponentId.of("source")).config();
    assertThat(s.interval).isEqualTo(Duration.ofMinutes(90));
    assertThat(s.nested.size).isEqualTo(5);
    assertThat(s.nested.enabled).isTrue();
    assertThat(s.endpoint).isEqualTo("0.0.0.0:1");
    assertThat(s.tags).containsExactly("default");
    assertThat(c.pipelines()).singleElement().satisfies(p -> {
      assertThat(p.processors()).extracting(ComponentId::toString).containsExactly("counting", "counting/2");
    });
  }

  @Test
  void environmentVariablesAreSubstituted() throws Exception {
    String yaml = VALID.replace("interval: 1h30m",
        "interval: ${env:INTERVAL}\n    endpoint: ${env:HOST:-localhost}:${PORT}\n    tags: [\"$${literal}\"]");
    ResolvedConfig c = resolve(yaml, Map.of("INTERVAL", "5s", "PORT", "4317"));
    TestComponents.SourceConfig s = (TestComponents.SourceConfig)
        c.component(ComponentKind.RECEIVER, ComponentId.of("source")).config();
    assertThat(s.interval).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.endpoint).isEqualTo("localhost:4317");
    assertThat(s.tags).containsExactly("${literal}");
  }

  @Test
  void filesMergeInOrder(@TempDir Path dir) throws Exception {
    Path base = Files.writeString(dir.resolve("base.yaml"), VALID);
    Path over = Files.writeString(dir.resolve("over.yaml"),
        "receivers:\n  source:\n    nested: {enabled: false}\n    tags: [a, b]\n");
    ResolvedConfig c = ResolvedConfig.resolve(ConfigSource.load(List.of(base, over)), REGISTRY);
    TestComponents.SourceConfig s = (TestComponents.SourceConfig)
        c.component(ComponentKind.RECEIVER, ComponentId.of("source")).config();
    assertThat(s.nested.size).isEqualTo(5);
    assertThat(s.nested.enabled).isFalse();
    assertThat(s.tags).containsExactly("a", "b");
    assertThat(s.interval).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> ConfigSource.load(List.of(dir.resolve("nope.yaml"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.yaml: no such file");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(VALID.replace("interval: 1h30m", "intervall: 1h30m"),
            "receivers::source::intervall: unknown key (did you mean \"interval\"?)"),
        Arguments.of(VALID.replace("interval: 1h30m", "interval: soon"),
            "receivers::source::interval: \"soon\" (expected: a duration such as 200ms, 5s or 168h)"),
        Arguments.of(VALID.replace("nested: {size: 5}", "nested: {size: many}"),
            "receivers::source::nested::size: \"many\" (expected: an integer)"),
        Arguments.of(VALID.replace("nested: {size: 5}", "nested: {size: 0}"),
            "receivers::source::nested::size: 0 (expected: > 0)"),
        Arguments.of(VALID.replace("processors: [counting, counting/2]", "processors: [counting, batch/2]"),
            "service::pipelines::traces: references processor \"batch/2\" which is not configured"),
        Arguments.of(VALID.replace("exporters: [sink]", "exporters: [snk]"),
            "service::pipelines::traces: references exporter \"snk\" which is not configured (did you mean \"sink\"?)"),
        Arguments.of(VALID.replace("  sink:", "  sinc:"),
            "exporters::sinc: unknown exporter type \"sinc\" (did you mean \"sink\"?); known types: msink, sink"),
        Arguments.of(VALID.replace("service:", "servic:"),
            "servic: unknown section (did you mean \"service\"?)"),
        Arguments.of(VALID.replace("extensions: [note]", "extensions: [nope]"),
            "service::extensions[0]: references extension \"nope\" which is not configured"),
        Arguments.of(VALID.replace("receivers: [source]", "receivers: []"),
            "service::pipelines::traces::receivers: empty (expected: at least one receiver)"),
        Arguments.of(VALID.replace("    traces:", "    logs:"),
            "service::pipelines::logs: \"logs\" pipelines are not supported (expected: traces or metrics)"),
        Arguments.of(VALID.replace("nested: {size: 5}", "nested:\n      size: ${env:UNSET}"),
            "receivers::source::nested::size: empty value (expected: an integer)"),
        Arguments.of(VALID.replace("processors: [counting, counting/2]", "processors: [counting, ~]"),
            "service::pipelines::traces: an empty processor ID (expected: the ID of a configured processor)"),
        Arguments.of(VALID.replace("extensions: [note]", "extensions: [note, null]"),
            "service::extensions[1]: an empty extension ID (expected: the ID of a configured extension)"),
        Arguments.of(VALID.replace("interval: 1h30m", "interval:"),
            "receivers::source::interval: empty value (expected: a duration such as 200ms, 5s or 168h)"),
        Arguments.of(VALID.replace("interval: 1h30m", "endpoint: ~"),
            "receivers::source::endpoint: empty value (expected: a string)"),
        Arguments.of("receivers: [a\n", "invalid YAML"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void errorsNameTheYamlPathAndTheValue(String yaml, String expected) {
    assertThat(errors(yaml)).anySatisfy(e -> assertThat(e).contains(expected));
  }

  @Test
  void everyErrorIsReportedAtOnce() {
    String yaml = VALID.replace("interval: 1h30m", "interval: soon")
        .replace("nested: {size: 5}", "nested: {size: 0}")
        .replace("exporters: [sink]", "exporters: [sink, other]");
    assertThat(errors(yaml)).hasSize(2)
        .anySatisfy(e -> assertThat(e).startsWith("receivers::source::interval"))
        .anySatisfy(e -> assertThat(e).contains("references exporter \"other\""));
  }
}
