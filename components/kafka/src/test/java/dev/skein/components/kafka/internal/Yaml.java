package dev.skein.components.kafka.internal;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import java.util.ArrayList;
import java.util.List;

/** Binds component YAML as the configuration loader does. */
public final class Yaml {
  private Yaml() {}

  /** Every problem the loader reports for {@code yaml}, each with its path under {@code path}. */
  public static List<String> problems(ComponentFactory<?> factory, String path, String yaml) {
    try {
      ComponentConfig c = ConfigBinder.bind(ConfigSource.parse(yaml, k -> null),
          (ComponentConfig) factory.createDefaultConfig(), path);
      List<String> out = new ArrayList<>();
      c.validate().forEach(p -> out.add(path + "::" + p));
      return out;
    } catch (ConfigException e) {
      return e.errors();
    }
  }

  /** Binds {@code yaml}, failing the test on any problem. */
  @SuppressWarnings("unchecked")
  public static <C extends ComponentConfig> C valid(ComponentFactory<C> factory, String yaml) throws ConfigException {
    List<String> problems = problems(factory, "x", yaml);
    if (!problems.isEmpty()) {
      throw new AssertionError("unexpected problems: " + problems);
    }
    return ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), factory.createDefaultConfig(), "x");
  }
}
