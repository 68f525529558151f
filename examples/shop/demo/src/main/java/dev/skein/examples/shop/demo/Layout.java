package dev.skein.examples.shop.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The files the demo runs, found in the Skein repository; {@link #check} says what is missing. */
record Layout(Path root, Path skeinJar) {
  static final List<String> JAVA_SERVICES = List.of("api-gateway", "order-service", "inventory");

  Path shop() {
    return root.resolve("examples").resolve("shop");
  }

  Path guideConfig() {
    return root.resolve("examples").resolve("guide").resolve("otel-collector-config.yaml");
  }

  Path overrides() {
    return shop().resolve("skein-overrides.yaml");
  }

  Path agentJar() {
    return shop().resolve("demo").resolve("target").resolve("agent").resolve("opentelemetry-javaagent.jar");
  }

  Path agentConfig() {
    return shop().resolve("otel-agent.yaml");
  }

  Path schema() {
    return shop().resolve("postgres").resolve("schema.sql");
  }

  Path payment() {
    return shop().resolve("payment");
  }

  Path serviceJar(String service) {
    return shop().resolve(service).resolve("target").resolve(service + ".jar");
  }

  /** Fails naming every missing file, and how to build them. */
  void check() throws DemoException {
    Map<String, Path> needed = new LinkedHashMap<>();
    needed.put("the Skein server jar", skeinJar);
    needed.put("the guide's collector configuration", guideConfig());
    needed.put("the demo's Skein configuration", overrides());
    needed.put("the OpenTelemetry Java agent", agentJar());
    needed.put("the Java agent's configuration", agentConfig());
    needed.put("the database schema", schema());
    needed.put("the payment service", payment().resolve("server.js"));
    for (String s : JAVA_SERVICES) {
      needed.put("the " + s + " service", serviceJar(s));
    }
    List<String> missing = new ArrayList<>();
    needed.forEach((what, file) -> {
      if (!Files.isRegularFile(file)) {
        missing.add(what + " (" + file + ")");
      }
    });
    if (!missing.isEmpty()) {
      throw new DemoException("the demo is not built; missing:\n  " + String.join("\n  ", missing)
          + "\nRun ./skein demo from the repository root, which builds what is missing"
          + " (or: mvn -f examples/shop/pom.xml -DskipTests install).");
    }
  }
}
