package dev.skein.bench;

import dev.skein.model.Resources;
import dev.skein.model.Traces;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link EmbeddedTraceStore#compare} and {@link EmbeddedTraceStore#red} over one million spans of
 * the span mix, spread over an hour, in a store in a new directory. Every server span carries
 * {@code user.tier}: {@code free} on nine in ten of the {@code frontend} {@code GET /api/pages}
 * spans that took a second or more, and on one in ten of the others. {@code compare} selects those
 * slow spans of that operation against the rest of its spans over the whole window (the planted
 * value must rank first, or the benchmark fails); {@code red} groups every span of the window by
 * service and operation in one-minute buckets.
 *
 * <p>Public because JMH's generated code subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CompareBenchmark {
  static final int SPANS = 1_000_000;
  static final String SERVICE = "frontend";
  static final String OPERATION = "GET /api/pages";
  static final long SLOW_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int SPANS_PER_WRITE = 16 * SpanMix.SPANS_PER_EXPORT;

  private Path dir;
  private EmbeddedTraceStore store;
  private CompareQuery compare;
  private RedQuery red;

  @Setup(Level.Trial)
  public void load() throws IOException {
    dir = Files.createTempDirectory("skein-bench-compare");
    store = EmbeddedTraceStore.builder().path(dir).retention(Duration.ofDays(7)).build();
    long spread = Duration.ofHours(1).toNanos();
    long start = System.currentTimeMillis() * 1_000_000L - Duration.ofHours(2).toNanos();
    SpanMix mix = new SpanMix(11, start);
    Random tiers = new Random(12);
    for (int written = 0; written < SPANS; written += SPANS_PER_WRITE) {
      List<ResourceSpans> batch = new ArrayList<>();
      for (int n = 0; n < Math.min(SPANS_PER_WRITE, SPANS - written); n += SpanMix.SPANS_PER_EXPORT) {
        for (ResourceSpans rs : mix.export(SpanMix.SPANS_PER_EXPORT, spread).request().getResourceSpansList()) {
          batch.add(withTiers(rs, tiers));
        }
      }
      store.write(Traces.of(batch)).join();
    }
    // Traces last at most a few seconds past the spread.
    long end = start + spread + Duration.ofMinutes(1).toNanos();
    compare = new CompareQuery(SERVICE, OPERATION, start, end,
        new CompareQuery.Selection(SLOW_NANOS, null, null, null, false), 20);
    red = new RedQuery(null, null, null, true, start, end, Duration.ofMinutes(1).toNanos());
    CompareResult first = store.compare(compare);
    if (first.attributes().isEmpty() || !first.attributes().get(0).key().equals("user.tier")) {
      throw new IllegalStateException("user.tier does not rank first: " + first);
    }
  }

  /** {@code rs} with {@code user.tier} on its server spans. */
  private static ResourceSpans withTiers(ResourceSpans rs, Random tiers) {
    ResourceSpans.Builder b = rs.toBuilder();
    String service = Resources.serviceName(rs.getResource());
    for (ScopeSpans.Builder ss : b.getScopeSpansBuilderList()) {
      for (Span.Builder span : ss.getSpansBuilderList()) {
        if (span.getKind() != Span.SpanKind.SPAN_KIND_SERVER) {
          continue;
        }
        boolean slow = service.equals(SERVICE) && span.getName().equals(OPERATION)
            && span.getEndTimeUnixNano() - span.getStartTimeUnixNano() >= SLOW_NANOS;
        boolean free = tiers.nextInt(10) < (slow ? 9 : 1);
        span.addAttributes(KeyValue.newBuilder().setKey("user.tier")
            .setValue(AnyValue.newBuilder().setStringValue(free ? "free" : "paid")));
      }
    }
    return b.build();
  }

  @Benchmark
  public CompareResult compareSlowSpans() {
    return store.compare(compare);
  }

  @Benchmark
  public List<RedPoint> redByOperation() {
    return store.red(red);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
