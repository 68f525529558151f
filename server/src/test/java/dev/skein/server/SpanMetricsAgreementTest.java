package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The UI's services overview reads rate, errors and duration from the store
 * ({@code /api/skein/red}); Prometheus reads them from the span metrics on port 8889. Both come
 * from the same spans, so they must agree: the same calls and errors per service and operation,
 * and a p99 inside the histogram bucket that holds the 99th percentile.
 */
class SpanMetricsAgreementTest {
  /** The spanmetrics connector's default buckets, in milliseconds. */
  static final double[] BOUNDS_MS = {2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000};
  /** The default configuration flushes span metrics every 15 s; a bound against hangs. */
  static final Duration WAIT = Duration.ofSeconds(90);
  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)}\\s+(\\S+)(\\s+\\d+)?$");
  static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir
  static Path data;
  static TestServer server;
  /** What was sent, per "service|operation": every duration in nanoseconds, and the error count. */
  static final Map<String, List<Long>> durations = new TreeMap<>();
  static final Map<String, Long> errors = new TreeMap<>();
  static long windowStartMicros;
  static long windowEndMicros;

  @BeforeAll
  static void sendSpans() throws Exception {
    server = new TestServer(data);
    Random random = new Random(42);
    long now = System.currentTimeMillis() * 1_000_000L;
    windowStartMicros = (now - TimeUnit.MINUTES.toNanos(30)) / 1_000;
    windowEndMicros = (now + TimeUnit.MINUTES.toNanos(5)) / 1_000;
    String[][] operations = {
        {"frontend", "GET /checkout", "2"}, {"frontend", "GET /cart", "2"},
        {"checkout", "POST /pay", "2"}, {"checkout", "charge", "3"},
        {"inventory", "SELECT stock", "3"}};
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (String service : new String[] {"frontend", "checkout", "inventory"}) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
          .addAttributes(KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))));
      ScopeSpans.Builder ss = ScopeSpans.newBuilder();
      for (String[] op : operations) {
        if (!op[0].equals(service)) {
          continue;
        }
        int count = 150 + random.nextInt(100);
        for (int i = 0; i < count; i++) {
          // Log-uniform from 0.5 ms to 3 s, so every bucket gets some.
          long durationNanos = (long) (500_000 * Math.pow(6000, random.nextDouble()));
          boolean error = random.nextInt(8) == 0;
          long start = now - TimeUnit.MINUTES.toNanos(20) + random.nextInt(1_000_000) * 1_000_000L;
          byte[] traceId = new byte[16];
          byte[] spanId = new byte[8];
          random.nextBytes(traceId);
          random.nextBytes(spanId);
          spanId[0] |= 1;
          ss.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
              .setName(op[1]).setKind(Span.SpanKind.forNumber(Integer.parseInt(op[2])))
              .setStartTimeUnixNano(start).setEndTimeUnixNano(start + durationNanos)
              .setStatus(Status.newBuilder().setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_OK)));
          String key = service + "|" + op[1];
          durations.computeIfAbsent(key, k -> new ArrayList<>()).add(durationNanos);
          errors.merge(key, error ? 1L : 0L, Long::sum);
        }
      }
      request.addResourceSpans(rs.addScopeSpans(ss));
    }
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.otlpHttpUrl()))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.build().toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theStoreAndTheSpanMetricsCountTheSameCallsAndErrors() throws Exception {
    Map<String, Series> scraped = scrapeUntilEverySpanIsCounted();
    JsonNode red = server.get("/api/skein/red?groupBy=operation&start=" + windowStartMicros + "&end=" + windowEndMicros).json();

    Map<String, long[]> fromStore = new TreeMap<>();
    for (JsonNode g : red.get("groups")) {
      JsonNode t = g.get("totals");
      fromStore.put(g.get("service").asText() + "|" + g.get("operation").asText(),
          new long[] {t.get("calls").asLong(), t.get("errors").asLong()});
    }
    Map<String, long[]> fromMetrics = new TreeMap<>();
    scraped.forEach((k, s) -> fromMetrics.put(k, new long[] {s.calls, s.errors}));
    Map<String, long[]> sent = new TreeMap<>();
    durations.forEach((k, d) -> sent.put(k, new long[] {d.size(), errors.get(k)}));

    assertThat(fromStore).usingRecursiveComparison().isEqualTo(sent);
    assertThat(fromMetrics).usingRecursiveComparison().isEqualTo(sent);
  }

  @Test
  void theStoresP99FallsInTheHistogramBucketThatHoldsThe99thPercentile() throws Exception {
    Map<String, Series> scraped = scrapeUntilEverySpanIsCounted();
    for (Map.Entry<String, Series> e : scraped.entrySet()) {
      String[] key = e.getKey().split("\\|");
      JsonNode red = server.get("/api/skein/red?groupBy=operation&service=" + encode(key[0]) + "&operation="
          + encode(key[1]) + "&start=" + windowStartMicros + "&end=" + windowEndMicros).json();
      assertThat(red.get("groups")).hasSize(1);
      double p99Ms = red.get("groups").get(0).get("totals").get("p99Ms").asDouble();
      // The bucket of rank ceil(0.99 n), as histogram_quantile would find it.
      Series s = e.getValue();
      long rank = (long) Math.ceil(0.99 * s.calls);
      int bucket = 0;
      while (s.cumulative[bucket] < rank) {
        bucket++;
      }
      double lower = bucket == 0 ? 0 : BOUNDS_MS[bucket - 1];
      double upper = bucket < BOUNDS_MS.length ? BOUNDS_MS[bucket] : Double.POSITIVE_INFINITY;
      assertThat(p99Ms).as("p99 of %s from /api/skein/red, against the histogram's bucket (%s, %s]", e.getKey(), lower, upper)
          .isGreaterThan(lower).isLessThanOrEqualTo(upper);
    }
  }

  /** Calls, errors and cumulative bucket counts of one service and operation, over every status. */
  static final class Series {
    long calls;
    long errors;
    final long[] cumulative = new long[BOUNDS_MS.length + 1];
  }

  static Map<String, Series> scrapeUntilEverySpanIsCounted() throws Exception {
    long expected = durations.values().stream().mapToLong(List::size).sum();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Map<String, Series> series = scrape();
      long counted = series.values().stream().mapToLong(s -> s.calls).sum();
      if (counted == expected) {
        return series;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("span metrics counted " + counted + " calls after " + WAIT + " (expected " + expected + ")");
      }
      Thread.sleep(500);
    }
  }

  static Map<String, Series> scrape() throws Exception {
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.spanMetricsPort + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Series> out = new TreeMap<>();
    for (String line : r.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      Matcher l = LABEL.matcher(m.group(2));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      String key = labels.get("service_name") + "|" + labels.get("span_name");
      long value = (long) Double.parseDouble(m.group(3));
      switch (m.group(1)) {
        case "traces_span_metrics_calls_total" -> {
          Series s = out.computeIfAbsent(key, k -> new Series());
          s.calls += value;
          if ("STATUS_CODE_ERROR".equals(labels.get("status_code"))) {
            s.errors += value;
          }
        }
        case "traces_span_metrics_duration_milliseconds_bucket" -> {
          Series s = out.computeIfAbsent(key, k -> new Series());
          String le = labels.get("le");
          int i = 0;
          while (i < BOUNDS_MS.length && !le.equals("+Inf") && Double.parseDouble(le) != BOUNDS_MS[i]) {
            i++;
          }
          s.cumulative[le.equals("+Inf") ? BOUNDS_MS.length : i] += value;
        }
        default -> { }
      }
    }
    return out;
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
