package dev.skein.components.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StorageExtensionConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyBackendHasTheDefaultLimits() throws Exception {
    StorageExtensionConfig c = bind("{'backends': {'main': {'memory': null}}}");

    StorageExtensionConfig.LimitsConfig l = c.backends.get("main").limits;
    assertThat(l.maxAttributeValueLength).isEqualTo(65_536);
    assertThat(l.maxAttributesPerSpan).isEqualTo(1_024);
    assertThat(l.maxEventsPerSpan).isEqualTo(1_024);
    assertThat(l.maxLinksPerSpan).isEqualTo(1_024);
    assertThat(l.maxSpansPerTrace).isEqualTo(100_000);
    assertThat(l.maxTrackedTraces).isEqualTo(100_000);
    assertThat(c.validate()).isEmpty();
  }

  @Test
  void limitsSetInYamlReplaceOnlyTheirOwnDefaults() throws Exception {
    StorageExtensionConfig c = bind("{'backends': {'main': {'memory': null,"
        + " 'limits': {'max_spans_per_trace': 1000, 'max_attribute_value_length': 16}}}}");

    StorageExtensionConfig.LimitsConfig l = c.backends.get("main").limits;
    assertThat(l.maxSpansPerTrace).isEqualTo(1000);
    assertThat(l.maxAttributeValueLength).isEqualTo(16);
    assertThat(l.maxAttributesPerSpan).isEqualTo(1_024);
    assertThat(c.validate()).isEmpty();
  }

  @Test
  void anEmptyLimitsKeyKeepsTheDefaults() throws Exception {
    StorageExtensionConfig c = bind("{'backends': {'main': {'memory': null, 'limits': null}}}");

    assertThat(c.backends.get("main").limits.maxSpansPerTrace).isEqualTo(100_000);
    assertThat(c.validate()).isEmpty();
  }

  @Test
  void tenantStoresCloseAfterTenIdleMinutesUnlessSetOtherwise() throws Exception {
    assertThat(bind("{'backends': {'main': {'memory': null}}}").tenantIdleTimeout).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(bind("{'tenant_idle_timeout': '0s', 'backends': {'main': {'memory': null}}}").validate()).isEmpty();
    assertThat(bind("{'tenant_idle_timeout': '-1m', 'backends': {'main': {'memory': null}}}").validate())
        .containsExactly("tenant_idle_timeout: -1m (expected: >= 0; 0 keeps tenant stores open)");
  }

  @Test
  void limitsAreNotABackendType() throws Exception {
    assertThat(bind("{'backends': {'main': {'limits': {'max_spans_per_trace': 5}}}}").validate())
        .containsExactly("backends::main: 0 backend types (expected: exactly one of embedded, memory, cassandra)");
  }

  @Test
  void reportsEveryLimitThatIsNotPositiveByItsPath() throws Exception {
    StorageExtensionConfig c = bind("{'backends': {'main': {'memory': null, 'limits': {"
        + "'max_attribute_value_length': 0, 'max_attributes_per_span': -1, 'max_events_per_span': 0,"
        + " 'max_links_per_span': 0, 'max_spans_per_trace': 0, 'max_tracked_traces': -5}}}}");

    assertThat(c.validate()).containsExactly(
        "backends::main::limits::max_attribute_value_length: 0 (expected: > 0)",
        "backends::main::limits::max_attributes_per_span: -1 (expected: > 0)",
        "backends::main::limits::max_events_per_span: 0 (expected: > 0)",
        "backends::main::limits::max_links_per_span: 0 (expected: > 0)",
        "backends::main::limits::max_spans_per_trace: 0 (expected: > 0)",
        "backends::main::limits::max_tracked_traces: -5 (expected: > 0)");
  }

  @Test
  void rejectsAnUnknownLimitNamingItsPath() {
    assertThatThrownBy(() -> bind("{'backends': {'main': {'memory': null, 'limits': {'max_spans_per_trac': 5}}}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("extensions::storage::backends::main::limits::max_spans_per_trac: unknown key"
            + " (did you mean \"max_spans_per_trace\"?)");
  }

  private static StorageExtensionConfig bind(String json) throws ConfigException, IOException {
    return ConfigBinder.bind(JSON.readTree(json.replace('\'', '"')), new StorageExtensionFactory().createDefaultConfig(),
        "extensions::storage");
  }
}
