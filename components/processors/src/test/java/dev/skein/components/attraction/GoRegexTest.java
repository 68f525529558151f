package dev.skein.components.attraction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GoRegexTest {
  static Stream<Arguments> patterns() {
    return Stream.of(
        Arguments.of("^(?P<http_method>[A-Z]+) (?P<path>/\\S*)$", "GET /health",
            List.of("http_method", "path"), List.of("GET", "/health")),
        Arguments.of("(?<user>\\w+)@(?:example|test)\\.com", "mail alice@example.com",
            List.of("user"), List.of("alice")),
        Arguments.of("[(](?P<n>\\d+)[)]", "call (42)", List.of("n"), List.of("42")),
        Arguments.of("(?<=id=)(?P<id>\\d+)", "id=7", List.of("id"), List.of("7")),
        Arguments.of("\\((?P<a>x)\\)", "(x)", List.of("a"), List.of("x")),
        Arguments.of("(a)|(?P<b>b)", "b", Arrays.asList(null, "b"), Arrays.asList(null, "b")));
  }

  @ParameterizedTest
  @MethodSource("patterns")
  void goStyleNamedGroupsAreFoundAnywhereInTheText(String regex, String text, List<String> names,
      List<String> groups) {
    GoRegex r = GoRegex.compile(regex);
    assertThat(r.groupNames()).isEqualTo(names);
    Matcher m = r.pattern().matcher(text);
    assertThat(m.find()).isTrue();
    for (int i = 0; i < groups.size(); i++) {
      assertThat(m.group(i + 1)).isEqualTo(groups.get(i));
    }
  }

  @ParameterizedTest
  @MethodSource("invalidPatterns")
  void invalidExpressionsFail(String regex) {
    assertThatThrownBy(() -> GoRegex.compile(regex)).isInstanceOf(PatternSyntaxException.class);
  }

  static Stream<String> invalidPatterns() {
    return Stream.of("(", "[a-", "a{2,1}", "(?P<x>a");
  }
}
