package dev.skein.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs Skein's roles from the role configurations in {@code examples/cluster}, as written, with
 * every component found on the class path.
 */
final class Roles {
  /** The examples' directory, from the module's directory. */
  static final Path EXAMPLES = Path.of(System.getProperty("skein.examples", "../examples/cluster"));

  private Roles() {}

  /** Every component factory on the class path: the roles run Skein's real components. */
  static ComponentRegistry registry() {
    return ComponentRegistry.load();
  }

  /** Creates and starts the role configured in {@code file}, with {@code ${env:...}} taken from {@code env}. */
  static Service start(Path file, Map<String, String> env, Telemetry telemetry) throws Exception {
    String yaml = Files.readString(file);
    Function<String, String> lookup = env::get;
    ObjectNode root = ConfigSource.parse(yaml, lookup);
    ResolvedConfig config = ResolvedConfig.resolve(root, registry());
    Service service = Service.create(config, telemetry);
    try {
      service.start();
    } catch (Exception e) {
      service.shutdown();
      throw e;
    }
    return service;
  }

  static Path example(String name) throws IOException {
    Path p = EXAMPLES.resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IOException(p.toAbsolutePath() + " is missing");
    }
    return p;
  }
}
