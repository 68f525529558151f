package dev.skein.query.traceql;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz test of the TraceQL parser behind {@code /api/search?q=}: any text either parses into a
 * query or fails with a {@link TraceQlException} whose line and column lie within the text, which
 * the API answers with HTTP 400. Anything else is a bug. {@code ./skein test} runs it over the
 * queries in {@code TraceQlFuzzTestInputs}; {@code ./skein fuzz} fuzzes it.
 */
class TraceQlFuzzTest {
  @FuzzTest
  void parse(byte[] input) {
    String text = new String(input, UTF_8);
    TraceQlQuery query;
    try {
      query = TraceQl.parse(text);
    } catch (TraceQlException e) {
      long lines = text.chars().filter(c -> c == '\n').count() + 1;
      assertThat(e.line()).as(e.getMessage()).isBetween(1, (int) lines);
      assertThat(e.column()).as(e.getMessage()).isBetween(1, text.length() + 1);
      return;
    }
    assertThat(query.text()).isEqualTo(text);
  }
}
