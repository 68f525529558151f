package dev.skein.examples.shop.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady traffic: {@code rate} orders a second to the gateway's {@code POST /orders}, from a
 * handful of users, for the items in stock. It is not instrumented, so each order's trace starts at
 * the gateway. Every {@code reportEvery} it prints how the orders went.
 */
final class LoadDriver {
  private static final List<String> SKUS = List.of(
      "SKU-1001", "SKU-1002", "SKU-1003", "SKU-1004", "SKU-1005", "SKU-1006", "SKU-1007", "SKU-1008", "SKU-1009");
  private static final List<String> SOURCES = List.of("web", "web", "mobile", "api");
  // Orders that take longer are abandoned rather than allowed to pile up behind a stuck service.
  private static final int MAX_IN_FLIGHT = 64;

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final URI orders;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "load-driver");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object statsLock = new Object();
  private int confirmed;
  private final Map<String, Integer> failures = new TreeMap<>();

  LoadDriver(URI gateway) {
    this.orders = gateway.resolve("/orders");
  }

  /** An order's answer: HTTP status, body, and the trace ID from the {@code traceresponse} header. */
  record Placed(int status, String body, String traceId) {}

  /** Places one order and waits for the answer. */
  Placed place(String userId, String sku, int quantity, String source) throws IOException, InterruptedException {
    HttpResponse<String> r = client.send(request(userId, sku, quantity, source), HttpResponse.BodyHandlers.ofString());
    return new Placed(r.statusCode(), r.body(), traceId(r));
  }

  /** Starts sending {@code rate} orders a second (none when it is 0) and reporting. */
  void start(double rate, Duration reportEvery) {
    if (rate <= 0) {
      return;
    }
    long periodNanos = (long) (1e9 / rate);
    scheduler.scheduleAtFixedRate(this::sendOne, 0, periodNanos, TimeUnit.NANOSECONDS);
    scheduler.scheduleAtFixedRate(this::report, reportEvery.toMillis(), reportEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  void stop() throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void sendOne() {
    if (inFlight.get() >= MAX_IN_FLIGHT) {
      record("no answer yet from " + MAX_IN_FLIGHT + " orders in flight");
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    HttpRequest request = request("user-" + (1 + random.nextInt(40)), SKUS.get(random.nextInt(SKUS.size())),
        1 + random.nextInt(3), SOURCES.get(random.nextInt(SOURCES.size())));
    inFlight.incrementAndGet();
    client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
      inFlight.decrementAndGet();
      if (e != null) {
        record(e.getCause() != null ? e.getCause().toString() : e.toString());
      } else if (r.statusCode() == 201) {
        synchronized (statsLock) {
          confirmed++;
        }
      } else {
        record(r.statusCode() + " " + error(r.body()));
      }
    });
  }

  private void record(String failure) {
    synchronized (statsLock) {
      failures.merge(failure, 1, Integer::sum);
    }
  }

  private void report() {
    String line;
    synchronized (statsLock) {
      int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
      StringBuilder b = new StringBuilder("[" + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] orders: "
          + confirmed + " confirmed, " + failed + " failed");
      failures.forEach((why, n) -> b.append("\n             ").append(n).append(" x ").append(why));
      line = b.toString();
      confirmed = 0;
      failures.clear();
    }
    System.out.println(line);
  }

  private HttpRequest request(String userId, String sku, int quantity, String source) {
    String json = "{\"user_id\":\"" + userId + "\",\"sku\":\"" + sku + "\",\"quantity\":" + quantity
        + ",\"source\":\"" + source + "\"}";
    return HttpRequest.newBuilder(orders)
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  /** The trace ID in a {@code traceresponse: 00-<trace-id>-<span-id>-<flags>} header, or {@code null}. */
  static String traceId(HttpResponse<?> r) {
    String[] parts = r.headers().firstValue("traceresponse").orElse("").split("-");
    return parts.length == 4 && parts[1].length() == 32 ? parts[1] : null;
  }

  /** The {@code "error"} of a JSON answer, without a JSON library: the demo's answers are flat. */
  static String error(String body) {
    int key = body.indexOf("\"error\":\"");
    if (key < 0) {
      return body.length() > 120 ? body.substring(0, 120) + "..." : body;
    }
    int start = key + 9;
    int end = body.indexOf('"', start);
    return end < 0 ? body.substring(start) : body.substring(start, end);
  }
}
