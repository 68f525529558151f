package dev.skein.components.tailsampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TailSamplingConfigTest {
  @Test
  void defaultsAreTheCollectorsAndPoliciesAreRequired() {
    TailSamplingConfig c = new TailSamplingProcessorFactory().createDefaultConfig();
    assertThat(c.decisionWait).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.numTraces).isEqualTo(50_000);
    assertThat(c.expectedNewTracesPerSec).isZero();
    assertThat(c.decisionCache.sampledCacheSize).isZero();
    assertThat(c.decisionCache.nonSampledCacheSize).isZero();
    assertThat(c.sampleOnFirstMatch).isFalse();
    assertThat(c.dropPendingTracesOnShutdown).isFalse();
    assertThat(c.validate()).containsExactly(
        "policies: empty (expected: at least one policy, e.g. {name: all, type: always_sample})");
  }

  /** The README's example, without the two policies Skein does not implement (bytes_limiting, ottl_condition). */
  @Test
  void theReadmeExampleBindsAndValidates() {
    TailSamplingConfig c = TestData.valid(String.join("\n",
        "decision_wait: 10s",
        "num_traces: 100",
        "expected_new_traces_per_sec: 10",
        "decision_cache:",
        "  sampled_cache_size: 100_000",
        "  non_sampled_cache_size: 100_000",
        "policies:",
        "  [",
        "    {name: test-policy-1, type: always_sample},",
        "    {name: test-policy-2, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}},",
        "    {name: test-policy-3, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50,"
            + " max_value: 100}},",
        "    {name: test-policy-4, type: probabilistic, probabilistic: {sampling_percentage: 10}},",
        "    {name: test-policy-5, type: status_code, status_code: {status_codes: [ERROR, UNSET]}},",
        "    {name: test-policy-6, type: string_attribute, string_attribute: {key: key2, values: [value1, value2]}},",
        "    {name: test-policy-7, type: string_attribute, string_attribute: {key: key2, values: [value1, val*],"
            + " enabled_regex_matching: true, cache_max_size: 10}},",
        "    {name: test-policy-8, type: rate_limiting, rate_limiting: {spans_per_second: 35}},",
        "    {name: test-policy-10, type: span_count, span_count: {min_spans: 2, max_spans: 20}},",
        "    {name: test-policy-11, type: trace_state, trace_state: { key: key3, values: [value1, value2] }},",
        "    {name: test-policy-12, type: boolean_attribute, boolean_attribute: {key: key4, value: true}},",
        "    {name: and-policy-1, type: and, and: {and_sub_policy: [",
        "        {name: test-and-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50,"
            + " max_value: 100 }},",
        "        {name: test-and-policy-2, type: string_attribute, string_attribute: { key: key2,"
            + " values: [ value1, value2 ] }},",
        "    ]}},",
        "    {name: drop-policy-1, type: drop, drop: {drop_sub_policy: [",
        "        {name: test-drop-policy-1, type: string_attribute, string_attribute: {key: url.path,"
            + " values: [\\/health, \\/metrics], enabled_regex_matching: true}}",
        "    ]}},",
        "    {name: composite-policy-1, type: composite, composite: {",
        "        max_total_spans_per_second: 1000,",
        "        policy_order: [test-composite-policy-1, test-composite-policy-2, test-composite-policy-3],",
        "        composite_sub_policy: [",
        "          {name: test-composite-policy-1, type: numeric_attribute, numeric_attribute: {key: key1,"
            + " min_value: 50}},",
        "          {name: test-composite-policy-2, type: string_attribute, string_attribute: {key: key2,"
            + " values: [value1, value2]}},",
        "          {name: test-composite-policy-3, type: always_sample}",
        "        ],",
        "        rate_allocation: [",
        "          {policy: test-composite-policy-1, percent: 50},",
        "          {policy: test-composite-policy-2, percent: 25}",
        "        ]}},",
        "  ]"));
    assertThat(c.decisionWait).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.numTraces).isEqualTo(100);
    assertThat(c.decisionCache.sampledCacheSize).isEqualTo(100_000);
    assertThat(c.policies).hasSize(14);
    assertThat(c.policies.get(13).composite.compositeSubPolicy).hasSize(3);
    assertThat(c.policies.get(2).numericAttribute.minValue).isEqualTo(50L);
  }

  @Test
  void blockYamlWorksToo() {
    TailSamplingConfig c = TestData.valid(String.join("\n",
        "policies:",
        "  - name: errors",
        "    type: status_code",
        "    status_code:",
        "      status_codes: [ERROR]",
        "  - name: slow",
        "    type: latency",
        "    latency:",
        "      threshold_ms: 800"));
    assertThat(c.policies.get(1).latency.thresholdMs).isEqualTo(800);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{name: a, type: latncy}"
          + " | policies[0]::type: \"latncy\" (expected: one of always_sample, latency, numeric_attribute,"
          + " probabilistic, status_code, string_attribute, rate_limiting, span_count, boolean_attribute,"
          + " trace_state, and, drop, composite; did you mean \"latency\"?)",
      "{name: a}"
          + " | policies[0]::type: missing (expected: one of always_sample, latency, numeric_attribute,"
          + " probabilistic, status_code, string_attribute, rate_limiting, span_count, boolean_attribute,"
          + " trace_state, and, drop, composite)",
      "{name: a, type: ottl_condition}"
          + " | policies[0]::type: \"ottl_condition\" (expected: one of always_sample, latency, numeric_attribute,"
          + " probabilistic, status_code, string_attribute, rate_limiting, span_count, boolean_attribute,"
          + " trace_state, and, drop, composite; the Collector's ottl_condition policy is not implemented in Skein)",
      "{type: always_sample}"
          + " | policies[0]::name: missing (expected: a name unique within policies)",
      "{name: a, type: status_code, status_code: {status_codes: [ERROR, FAILED]}}"
          + " | policies[0]::status_code::status_codes[1]: \"FAILED\" (expected: one of ERROR, OK, UNSET)",
      "{name: a, type: status_code}"
          + " | policies[0]::status_code::status_codes: empty (expected: at least one of ERROR, OK, UNSET)",
      "{name: a, type: latency, latency: {threshold_ms: 500, upper_threshold_ms: 100}}"
          + " | policies[0]::latency::upper_threshold_ms: 100 (expected: 0 for no upper bound, or > threshold_ms,"
          + " 500)",
      "{name: a, type: numeric_attribute, numeric_attribute: {key: k}}"
          + " | policies[0]::numeric_attribute: neither min_value nor max_value is set (expected: at least one of"
          + " them)",
      "{name: a, type: numeric_attribute, numeric_attribute: {key: k, min_value: 9, max_value: 1}}"
          + " | policies[0]::numeric_attribute::max_value: 1 (expected: >= min_value, 9)",
      "{name: a, type: probabilistic, probabilistic: {sampling_percentage: 150}}"
          + " | policies[0]::probabilistic::sampling_percentage: 150.0 (expected: 0 to 100)",
      "{name: a, type: string_attribute, string_attribute: {key: k, values: ['(open'], enabled_regex_matching: true}}"
          + " | policies[0]::string_attribute::values[0]: \"(open\" (expected: a regular expression; Unclosed group"
          + " near index 5)",
      "{name: a, type: string_attribute, string_attribute: {values: [x]}}"
          + " | policies[0]::string_attribute::key: missing (expected: an attribute key)",
      "{name: a, type: rate_limiting}"
          + " | policies[0]::rate_limiting::spans_per_second: 0 (expected: > 0)",
      "{name: a, type: and, and: {and_sub_policy: [{type: composite}]}}"
          + " | policies[0]::and::and_sub_policy[0]::type: \"composite\" (expected: one of always_sample, latency,"
          + " numeric_attribute, probabilistic, status_code, string_attribute, rate_limiting, span_count,"
          + " boolean_attribute, trace_state; composite cannot be an and or drop sub-policy)",
      "{name: a, type: and}"
          + " | policies[0]::and::and_sub_policy: empty (expected: at least one policy)",
      "{name: a, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: x,"
          + " type: always_sample}], policy_order: [y]}}"
          + " | policies[0]::composite::policy_order[0]: \"y\" (expected: the name of a composite_sub_policy)",
      "{name: a, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: x,"
          + " type: always_sample}, {name: y, type: always_sample}], rate_allocation: [{policy: x, percent: 60},"
          + " {policy: y, percent: 50}]}}"
          + " | policies[0]::composite::rate_allocation: percents add up to 110 (expected: at most 100)",
      "{name: a, type: composite, composite: {max_total_spans_per_second: 10, composite_sub_policy: [{name: x,"
          + " type: always_sample}, {name: x, type: always_sample}]}}"
          + " | policies[0]::composite::composite_sub_policy[1]::name: \"x\" (expected: a name unique within"
          + " composite_sub_policy; composite_sub_policy[0] has it too)",
      "{name: a, type: composite, composite: {composite_sub_policy: [{name: x, type: always_sample}]}}"
          + " | policies[0]::composite::max_total_spans_per_second: 0 (expected: > 0)",
  })
  void policyErrorsNameTheirPath(String policy, String expected) {
    assertThat(TestData.bind("policies: [" + policy + "]").validate()).containsExactly(expected);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    TailSamplingConfig c = TestData.bind(String.join("\n",
        "decision_wait: 0s",
        "num_traces: 0",
        "decision_cache: {sampled_cache_size: -1}",
        "policies: [{name: a, type: always_sample}, {name: a, type: latncy}]"));
    assertThat(c.validate()).containsExactly(
        "decision_wait: 0s (expected: > 0)",
        "num_traces: 0 (expected: > 0)",
        "decision_cache::sampled_cache_size: -1 (expected: >= 0, where 0 disables the cache)",
        "policies[1]::name: \"a\" (expected: a name unique within policies; policies[0] has it too)",
        "policies[1]::type: \"latncy\" (expected: one of always_sample, latency, numeric_attribute, probabilistic,"
            + " status_code, string_attribute, rate_limiting, span_count, boolean_attribute, trace_state, and, drop,"
            + " composite; did you mean \"latency\"?)");
  }

  @Test
  void theLoaderPrefixesTheComponentsPath() {
    Throwable e = catchThrowable(() -> ResolvedConfig.resolve(ConfigSource.parse(
        String.join("\n",
            "processors:",
            "  tail_sampling:",
            "    policies:",
            "      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}",
            "      - {name: slow, type: latency, latency: {threshold_ms: 800}}",
            "      - {name: typo, type: latncy, latency: {threshold_ms: 800}}"), n -> null),
        ComponentRegistry.of(new TailSamplingProcessorFactory())));
    assertThat(e).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) e).errors()).singleElement().asString()
        .startsWith("processors::tail_sampling::policies[2]::type: \"latncy\" (expected: one of always_sample, latency,")
        .endsWith("; did you mean \"latency\"?)");
  }

  @Test
  void unknownKeysInsidePoliciesAreRejectedWithTheirPath() {
    assertThatThrownBy(() -> ConfigBinder.bind(ConfigSource.parse(
            "policies: [{name: a, type: latency, latency: {treshold_ms: 5}}]", n -> null),
        new TailSamplingConfig(), "processors::tail_sampling"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).errors()).singleElement().asString()
            .startsWith("processors::tail_sampling::policies[0]::latency::treshold_ms: unknown key"
                + " (did you mean \"threshold_ms\"?)"));
  }

  @Test
  void theFactoryRefusesAnInvalidConfiguration() {
    TailSamplingConfig c = TestData.bind("policies: [{name: a, type: nope}]");
    CreateSettings settings = new CreateSettings(ComponentId.of("tail_sampling"), new Telemetry());
    assertThatThrownBy(() -> new TailSamplingProcessorFactory().createTracesProcessor(settings, c, t -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("processors::tail_sampling: policies[0]::type: \"nope\"");
  }
}
