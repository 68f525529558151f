package dev.skein.pipeline.server.testing;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds components from YAML as the configuration loader does. */
public final class TestComponents {
  private TestComponents() {}

  /**
   * Every problem the loader would report for {@code yaml} under {@code section::type}, each with
   * its full YAML path, e.g. {@code receivers::zipkin::tls::min_version: ...}.
   */
  public static List<String> problems(ComponentFactory<?> factory, String section, String yaml) {
    String path = section + "::" + factory.type();
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

  /**
   * The configuration {@code yaml} describes, laid over the factory's defaults.
   *
   * @throws AssertionError when the loader would report a problem
   */
  @SuppressWarnings("unchecked")
  public static <C extends ComponentConfig> C config(ComponentFactory<C> factory, String section, String yaml)
      throws ConfigException {
    List<String> problems = problems(factory, section, yaml);
    if (!problems.isEmpty()) {
      throw new AssertionError("unexpected problems: " + problems);
    }
    return ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), factory.createDefaultConfig(),
        section + "::" + factory.type());
  }

  /**
   * Creates (but does not start) the extension {@code id} from its factory and YAML.
   *
   * @throws AssertionError when the configuration has a problem
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Component extension(ExtensionFactory<?> factory, String id, String yaml) throws ConfigException {
    ComponentConfig c = config((ComponentFactory) factory, "extensions", yaml);
    return ((ExtensionFactory) factory).createExtension(new CreateSettings(ComponentId.parse(id), new Telemetry()), c);
  }

  /** Creates and starts the extension {@code id}, which needs no other extension. */
  public static Component started(ExtensionFactory<?> factory, String id, String yaml) throws Exception {
    Component c = extension(factory, id, yaml);
    c.start(Map::of);
    return c;
  }
}
