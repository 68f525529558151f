package dev.skein.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantsTest {
  @Test
  void acceptsTempoTenantIds() {
    for (String t : List.of("acme", "Team-A_1", "a.b", "x!*'()", "a".repeat(150), "...")) {
      assertThat(Tenants.problem(t)).as(t).isNull();
      assertThat(Tenants.check(t)).isEqualTo(t);
    }
  }

  @Test
  void refusesPathsAndOtherCharactersWithTheReason() {
    assertThat(Tenants.problem("../x")).isEqualTo(
        "tenant ID: \"../x\" has the character '/' at index 2 (expected: only a-z, A-Z, 0-9 and ! - _ . * ' ( ))");
    assertThat(Tenants.problem("..")).isEqualTo("tenant ID: \"..\" (expected: not \".\" or \"..\")");
    assertThat(Tenants.problem(".")).contains("not \".\"");
    assertThat(Tenants.problem("")).contains("empty");
    assertThat(Tenants.problem("a".repeat(151))).isEqualTo("tenant ID: 151 characters (expected: at most 150)");
    assertThat(Tenants.problem("a b")).contains("' '");
    assertThat(Tenants.problem("a\u0000b")).contains("U+0000").contains("a\\u0000b");
    assertThat(Tenants.problem("é")).contains("U+00E9");
    assertThatThrownBy(() -> Tenants.check("a/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Traces.empty().withTenant("../x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void encodingIsOneToOneAndSafeForCaseInsensitiveNames() {
    List<String> ids = List.of("acme", "ACME", "Acme", "a_b", "a_5f", "a-b", "a.b", "a!", "A!", "_x", "X", "x");
    Set<String> encoded = new HashSet<>();
    for (String id : ids) {
      String e = Tenants.encode(id);
      assertThat(e).matches("[a-z0-9_]+");
      encoded.add(e);
    }
    assertThat(encoded).hasSize(ids.size());
    assertThat(Tenants.encode("acme")).isEqualTo("acme");
    assertThat(Tenants.encode("Acme")).isEqualTo("_acme");
  }

  @Test
  void batchesKeepTheirTenant() {
    Traces t = Traces.empty().withTenant("acme");
    assertThat(t.tenant()).isEqualTo("acme");
    assertThat(t.withResourceSpans(List.of()).tenant()).isEqualTo("acme");
    assertThat(t).isNotEqualTo(Traces.empty());
    assertThat(Traces.empty().tenant()).isEqualTo(Tenants.NONE);
  }
}
