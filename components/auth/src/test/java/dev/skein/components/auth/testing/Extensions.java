package dev.skein.components.auth.testing;

import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Builds components from YAML as the configuration loader does, and asks authenticators questions. */
public final class Extensions {
  private Extensions() {}

  /** Every problem the loader would report for {@code yaml} under {@code section::type}, each with its path. */
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

  /** Binds and validates {@code yaml}, failing on any problem. */
  public static ComponentConfig valid(ComponentFactory<?> factory, String section, String yaml) throws ConfigException {
    List<String> problems = problems(factory, section, yaml);
    if (!problems.isEmpty()) {
      throw new AssertionError("unexpected problems: " + problems);
    }
    return ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), (ComponentConfig) factory.createDefaultConfig(),
        section + "::" + factory.type());
  }

  /** Creates (but does not start) the extension {@code id} from its factory and YAML. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Component extension(ExtensionFactory<?> factory, String id, String yaml) throws ConfigException {
    return ((ExtensionFactory) factory).createExtension(new CreateSettings(ComponentId.parse(id), new Telemetry()),
        valid(factory, "extensions", yaml));
  }

  /** Creates and starts the extension, which must be a server authenticator. */
  public static ServerAuthenticator authenticator(ExtensionFactory<?> factory, String id, String yaml)
      throws Exception {
    Component c = extension(factory, id, yaml);
    c.start(host(Map.of()));
    return (ServerAuthenticator) c;
  }

  public static Host host(Map<ComponentId, Component> extensions) {
    return () -> extensions;
  }

  /** Headers holding {@code name: value} pairs. */
  public static ServerAuthenticator.Headers headers(String... nameValues) {
    Map<String, List<String>> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < nameValues.length; i += 2) {
      m.computeIfAbsent(nameValues[i], k -> new ArrayList<>()).add(nameValues[i + 1]);
    }
    return ServerAuthenticator.Headers.of(m);
  }

  /** The outcome of an authentication: the client, or the refusal. Waits at most 10 s. */
  public static Object outcome(CompletableFuture<ServerAuthenticator.Client> f) throws Exception {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof AuthenticationException) {
        return e.getCause();
      }
      throw e;
    }
  }

  /** The refusal of {@code f}, failing when it was accepted. */
  public static AuthenticationException refusal(CompletableFuture<ServerAuthenticator.Client> f) throws Exception {
    Object o = outcome(f);
    if (!(o instanceof AuthenticationException)) {
      throw new AssertionError("expected a refusal, got " + o);
    }
    return (AuthenticationException) o;
  }

  /** The client {@code f} accepted, failing when it was refused. */
  public static ServerAuthenticator.Client accepted(CompletableFuture<ServerAuthenticator.Client> f) throws Exception {
    Object o = outcome(f);
    if (!(o instanceof ServerAuthenticator.Client)) {
      throw new AssertionError("expected acceptance, got " + o);
    }
    return (ServerAuthenticator.Client) o;
  }

  /** Waits until {@code condition} holds or {@code limit} passed; returns whether it holds. */
  public static boolean eventually(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (deadline - System.nanoTime() < 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
