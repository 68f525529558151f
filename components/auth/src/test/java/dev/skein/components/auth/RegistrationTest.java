package dev.skein.components.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.auth.testing.Extensions;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.ExtensionFactory;
import dev.skein.pipeline.ServerAuthenticator;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The configuration loader finds both extensions by their YAML type. */
class RegistrationTest {
  @Test
  void bothAuthenticatorsAreRegisteredAsExtensions() throws Exception {
    Map<String, ComponentFactory<?>> byType = new HashMap<>();
    for (ComponentFactory<?> f : ServiceLoader.load(ComponentFactory.class)) {
      byType.put(f.type(), f);
    }
    assertThat(byType).containsKeys("bearertokenauth", "basicauth");
    assertThat(byType.get("bearertokenauth").kind()).isEqualTo(ComponentKind.EXTENSION);
    assertThat(byType.get("basicauth").kind()).isEqualTo(ComponentKind.EXTENSION);
    assertThat(Extensions.extension((ExtensionFactory<?>) byType.get("bearertokenauth"), "bearertokenauth",
        "token: t")).isInstanceOf(ServerAuthenticator.class);
    assertThat(Extensions.extension((ExtensionFactory<?>) byType.get("basicauth"), "basicauth",
        "htpasswd: {inline: \"a:b\"}")).isInstanceOf(ServerAuthenticator.class);
  }
}
