package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.span;
import static dev.skein.components.tailsampling.TestData.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.tailsampling.TestData.ManualClock;
import dev.skein.pipeline.Telemetry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the decisions of the top-level policies combine, on a trace with http.route=/cart. */
class SamplerTest {
  private static final String ALWAYS = "{name: always, type: always_sample}";
  private static final String NEVER = "{name: never, type: status_code, status_code: {status_codes: [ERROR]}}";
  private static final String INVERT_SAMPLED = "{name: not-health, type: string_attribute,"
      + " string_attribute: {key: http.route, values: [/health], invert_match: true}}";
  private static final String INVERT_NOT_SAMPLED = "{name: not-cart, type: string_attribute,"
      + " string_attribute: {key: http.route, values: [/cart], invert_match: true}}";
  private static final String DROP_CART = "{name: drop-cart, type: drop, drop: {drop_sub_policy: ["
      + "{name: cart, type: string_attribute, string_attribute: {key: http.route, values: [/cart]}}]}}";

  @ParameterizedTest(name = "{0}: sampled={2}")
  @CsvSource(delimiter = '|', value = {
      "sampled                          | ALWAYS                    | true",
      "not sampled                      | NEVER                     | false",
      "sampled beats not sampled        | NEVER, ALWAYS             | true",
      "inverted sampled alone           | INVERT_SAMPLED            | true",
      "inverted sampled, not sampled    | INVERT_SAMPLED, NEVER     | false",
      "inverted not sampled vetoes      | ALWAYS, INVERT_NOT_SAMPLED| false",
      "drop beats sampled               | ALWAYS, DROP_CART         | false",
  })
  void combines(String description, String policies, boolean expected) {
    assertThat(sampler(policies, false).sample(cart())).isEqualTo(expected);
  }

  @ParameterizedTest(name = "sample_on_first_match={0}: sampled={1}")
  @CsvSource({"false, false", "true, true"})
  void sampleOnFirstMatchStopsAtTheFirstSamplingPolicy(boolean firstMatch, boolean expected) {
    // Later policies are not evaluated at all, so the inverted veto after always_sample is never seen.
    assertThat(sampler("ALWAYS, INVERT_NOT_SAMPLED", firstMatch).sample(cart())).isEqualTo(expected);
  }

  @ParameterizedTest(name = "sample_on_first_match={0}")
  @CsvSource({"false", "true"})
  void dropPoliciesRunFirstEvenWhenSamplingOnFirstMatch(boolean firstMatch) {
    assertThat(sampler("ALWAYS, DROP_CART", firstMatch).sample(cart())).isFalse();
  }

  private static Sampler sampler(String names, boolean sampleOnFirstMatch) {
    StringBuilder yaml = new StringBuilder("policies: [");
    int i = 0;
    for (String n : names.split(",")) {
      String p;
      switch (n.strip()) {
        case "ALWAYS": p = ALWAYS; break;
        case "NEVER": p = NEVER; break;
        case "INVERT_SAMPLED": p = INVERT_SAMPLED; break;
        case "INVERT_NOT_SAMPLED": p = INVERT_NOT_SAMPLED; break;
        default: p = DROP_CART; break;
      }
      yaml.append(i > 0 ? ", " : "").append(p.replace("{name: ", "{name: p" + i++ + "-"));
    }
    yaml.append("]");
    TailSamplingConfig c = TestData.valid(yaml.toString());
    return new Sampler(c.policies, sampleOnFirstMatch, new ManualClock(), new Telemetry());
  }

  private static TraceData cart() {
    return TestData.trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/cart")).build()));
  }
}
