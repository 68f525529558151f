package dev.skein.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.query.traceql.TraceQl;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The search filters compare offers for an attribute value: the tag reads back as the same key
 * and value, and the TraceQL parses, with strings quoted and numbers and booleans bare.
 */
class SearchFiltersTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "span | user.tier | free | user.tier=free | { span.user.tier = \"free\" }",
      "span | http.response.status_code | 500 | http.response.status_code=500 | { span.http.response.status_code = 500 }",
      "span | app.ratio | -0.25 | app.ratio=-0.25 | { span.app.ratio = -0.25 }",
      "span | app.cached | true | app.cached=true | { span.app.cached = true }",
      "resource | host.name | web 1 | host.name=\"web 1\" | { resource.host.name = \"web 1\" }",
      "span | app.quote | say \"hi\" \\o/ | app.quote=\"say \\\"hi\\\" \\\\o/\" | { span.app.quote = \"say \\\"hi\\\" \\\\o/\" }",
      "span | app.text | \"quoted | app.text=\"\\\"quoted\" | { span.app.text = \"\\\"quoted\" }",
      "span | my key | 1.5.3 | \"my key\"=1.5.3 | { span.\"my key\" = \"1.5.3\" }",
      "span | app.version | 007 | app.version=007 | { span.app.version = \"007\" }",
  })
  void buildsFiltersThatReadBack(String scope, String key, String value, String tag, String traceQl) throws Exception {
    assertThat(SearchFilters.tag(key, value)).isEqualTo(tag);
    assertThat(Logfmt.parse(tag)).isEqualTo(Map.of(key, value));
    assertThat(SearchFilters.traceQl(scope, key, value)).isEqualTo(traceQl);
    assertThat(TraceQl.parse(traceQl).condition()).isNotNull();
  }
}
