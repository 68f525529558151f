package dev.skein.examples.shop.common;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shop service's HTTP server: the JDK's own {@code com.sun.net.httpserver}, listening on
 * {@code HOST:PORT} from the environment (default {@code 127.0.0.1} and the service's port), with
 * {@code GET /health} and JSON routes. The OpenTelemetry Java agent traces every request it serves;
 * the agent configuration drops {@code /health}.
 *
 * <p>Routes are a method and an exact path; parameters go in the query string. Each path is a
 * context of its own, because the agent names a server span after its context ({@code GET /items}).
 * A handler returns a {@link Response}, or throws {@link HttpError} for a 4xx/5xx answer;
 * any other exception is a 500. Every answer carries the {@link #TRACE_RESPONSE} header when the
 * request is traced. {@link #start} registers a shutdown hook that stops the server.
 */
public final class ShopServer {
  /** The response header that carries the request's trace, {@code 00-<trace-id>-<span-id>-<flags>}. */
  public static final String TRACE_RESPONSE = "traceresponse";
  private final String service;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Map<String, Handler>> routes = new LinkedHashMap<>();

  private ShopServer(String service, HttpServer server, ExecutorService executor) {
    this.service = service;
    this.server = server;
    this.executor = executor;
  }

  /** Binds {@code HOST:PORT} (defaults {@code 127.0.0.1} and {@code defaultPort}) without serving yet. */
  public static ShopServer create(String service, int defaultPort) throws IOException {
    requireNonNull(service, "service");
    String host = env("HOST", "127.0.0.1");
    int port = intEnv("PORT", defaultPort);
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(32, r -> {
      Thread t = new Thread(r, service + "-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    ShopServer s = new ShopServer(service, server, executor);
    s.route("GET", "/health", req -> Response.json(200, Json.object().put("status", "ok")));
    return s;
  }

  /** Adds a route: {@code method} requests to exactly {@code path}. */
  public ShopServer route(String method, String path, Handler handler) {
    requireNonNull(method, "method");
    requireNonNull(path, "path");
    requireNonNull(handler, "handler");
    Map<String, Handler> byMethod = routes.get(path);
    if (byMethod == null) {
      byMethod = new LinkedHashMap<>();
      routes.put(path, byMethod);
      Map<String, Handler> handlers = byMethod;
      server.createContext(path, exchange -> handle(exchange, path, handlers));
    }
    byMethod.put(method.toUpperCase(Locale.ROOT), handler);
    return this;
  }

  /** Starts serving and prints the address; a shutdown hook stops the server. */
  public void start() {
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(1); // lets requests in flight finish
      executor.shutdown();
      try {
        executor.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, service + "-shutdown"));
    System.out.printf("%s listening on http://%s:%d%n", service,
        server.getAddress().getHostString(), server.getAddress().getPort());
  }

  /** The environment variable {@code name}, or {@code fallback} when it is unset or empty. */
  public static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  /** {@link #env} as an integer; a value that is not one stops the service with a clear message. */
  public static int intEnv(String name, int fallback) {
    String v = env(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": \"" + v + "\" (expected: an integer)", e);
    }
  }

  private void handle(HttpExchange exchange, String path, Map<String, Handler> handlers) throws IOException {
    try (exchange) {
      Response response;
      try {
        response = dispatch(exchange, path, handlers);
      } catch (HttpError e) {
        response = Response.error(e.status(), e.getMessage());
      } catch (Exception e) {
        System.err.printf("%s: %s %s failed: %s%n", service, exchange.getRequestMethod(),
            exchange.getRequestURI(), e);
        response = Response.error(500, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      byte[] body = Json.MAPPER.writeValueAsBytes(response.body());
      traceResponse().ifPresent(v -> exchange.getResponseHeaders().set(TRACE_RESPONSE, v));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(response.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * W3C Trace Context Level 2's {@code traceresponse} for the server span the agent opened for this
   * request, so that a caller (the load driver, a test, curl) can look its trace up.
   */
  static Optional<String> traceResponse() {
    SpanContext c = Span.current().getSpanContext();
    if (!c.isValid()) {
      return Optional.empty();
    }
    return Optional.of("00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex());
  }

  private Response dispatch(HttpExchange exchange, String path, Map<String, Handler> handlers) throws Exception {
    // A context also receives every path below its own.
    if (!exchange.getRequestURI().getPath().equals(path)) {
      throw new HttpError(404, "no route for " + exchange.getRequestURI().getPath());
    }
    Handler handler = handlers.get(exchange.getRequestMethod().toUpperCase(Locale.ROOT));
    if (handler == null) {
      throw new HttpError(405, exchange.getRequestMethod() + " " + path + " is not allowed (expected: "
          + String.join(", ", handlers.keySet()) + ")");
    }
    return handler.handle(new Request(exchange, query(exchange.getRequestURI().getRawQuery()), body(exchange)));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(key, value);
    }
    return params;
  }

  private static JsonNode body(HttpExchange exchange) throws IOException, HttpError {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      if (bytes.length == 0) {
        return Json.object();
      }
      try {
        return Json.MAPPER.readTree(bytes);
      } catch (JsonProcessingException e) {
        throw new HttpError(400, "the body is not JSON: " + e.getOriginalMessage());
      }
    }
  }

  /** Answers a request. */
  @FunctionalInterface
  public interface Handler {
    Response handle(Request request) throws Exception;
  }
}
