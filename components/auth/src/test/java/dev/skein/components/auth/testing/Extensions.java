package dev.skein.components.auth.testing;

import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ExtensionFactory;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.server.testing.TestComponents;
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
    return TestComponents.problems(factory, section, yaml);
  }

  /** Binds and validates {@code yaml}, failing on any problem. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static ComponentConfig valid(ComponentFactory<?> factory, String section, String yaml) throws ConfigException {
    return TestComponents.config((ComponentFactory) factory, section, yaml);
  }

  /** Creates (but does not start) the extension {@code id} from its factory and YAML. */
  public static Component extension(ExtensionFactory<?> factory, String id, String yaml) throws ConfigException {
    return TestComponents.extension(factory, id, yaml);
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
