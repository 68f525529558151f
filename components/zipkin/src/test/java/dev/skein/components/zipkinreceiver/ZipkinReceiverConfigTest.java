package dev.skein.components.zipkinreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The {@code zipkin} receiver's settings, as a user writes them in the Collector's YAML. */
class ZipkinReceiverConfigTest {
  private final ZipkinReceiverFactory factory = new ZipkinReceiverFactory();

  @Test
  void defaultsAreTheCollectors() {
    ZipkinReceiverConfig config = factory.createDefaultConfig();

    assertThat(config.endpoint).isEqualTo("0.0.0.0:9411");
    assertThat(config.parseStringTags).isFalse();
    assertThat(config.maxRequestBodySize).isEqualTo(20L * 1024 * 1024);
    assertThat(config.validate()).isEmpty();
  }

  @Test
  void anEmptySectionKeepsTheDefaults() throws Exception {
    ZipkinReceiverConfig config = bind("{}");

    assertThat(config.endpoint).isEqualTo("0.0.0.0:9411");
  }

  @Test
  void bindsEveryKey() throws Exception {
    ZipkinReceiverConfig config = bind("endpoint: localhost:19411\nparse_string_tags: true\nmax_request_body_size: 1048576");

    assertThat(config.endpoint).isEqualTo("localhost:19411");
    assertThat(config.parseStringTags).isTrue();
    assertThat(config.maxRequestBodySize).isEqualTo(1048576);
    assertThat(config.validate()).isEmpty();
  }

  @Test
  void namesAnUnknownKey() {
    assertThatThrownBy(() -> bind("parse_string_tag: true"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("receivers::zipkin::parse_string_tag: unknown key (did you mean \"parse_string_tags\"?)");
  }

  @Test
  void reportsEveryInvalidValue() throws Exception {
    ZipkinReceiverConfig config = bind("endpoint: \"9411\"\nmax_request_body_size: 0");

    assertThat(config.validate()).containsExactly(
        "endpoint: \"9411\" (expected: host:port with a port from 0 to 65535)",
        "max_request_body_size: 0 (expected: > 0)");
  }

  @Test
  void isFoundByTheRegistryAsTheZipkinReceiver() {
    assertThat(ComponentRegistry.load().find(ComponentKind.RECEIVER, "zipkin"))
        .hasValueSatisfying(f -> assertThat(f).isInstanceOf(ZipkinReceiverFactory.class));
  }

  private ZipkinReceiverConfig bind(String yaml) throws Exception {
    return ConfigBinder.bind(new ObjectMapper(new YAMLFactory()).readTree(yaml), factory.createDefaultConfig(),
        "receivers::zipkin");
  }
}
