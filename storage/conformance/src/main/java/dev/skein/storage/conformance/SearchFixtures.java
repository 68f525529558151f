package dev.skein.storage.conformance;

import static java.util.Objects.requireNonNull;

import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The traces search is tested on, from {@code search-traces.json} (OTLP/JSON {@code TracesData}):
 * ten traces over nine minutes from seven services (one without {@code service.name}), with every
 * span kind and status, attributes of every scalar type, events, a trace without its root span,
 * two traces that start at the same instant and ties in duration, so every filter and every order
 * is exercised. {@code search-queries.json} lists the queries and their answers.
 *
 * <p>The file's times start at {@link #FILE_BASE_NANOS}; {@link #batches(long)} moves them so they
 * start at a chosen base, such as a few minutes ago, where retention keeps them. Each resource
 * group of the file is one batch, so a trace arrives in several writes.
 */
public final class SearchFixtures {
  /** The base time of the fixture file, epoch nanoseconds (2023-11-14T22:13:20Z). */
  public static final long FILE_BASE_NANOS = 1_700_000_000_000_000_000L;

  private static final String TRACES = "search-traces.json";
  private static final String QUERIES = "search-queries.json";

  private SearchFixtures() {}

  /** Returns the fixture traces with their times moved so the file's base time becomes {@code baseNanos}. */
  public static List<Traces> batches(long baseNanos) {
    long shift = baseNanos - FILE_BASE_NANOS;
    TracesData data;
    try (InputStream in = resource(TRACES)) {
      data = OtlpJson.decode(in, TracesData.getDefaultInstance());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + TRACES, e);
    }
    List<Traces> out = new ArrayList<>();
    for (ResourceSpans rs : data.getResourceSpansList()) {
      ResourceSpans.Builder rb = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder sb = ss.toBuilder().clearSpans();
        for (Span span : ss.getSpansList()) {
          Span.Builder b = span.toBuilder()
              .setStartTimeUnixNano(span.getStartTimeUnixNano() + shift)
              .setEndTimeUnixNano(span.getEndTimeUnixNano() + shift);
          for (int i = 0; i < b.getEventsCount(); i++) {
            b.setEvents(i, b.getEvents(i).toBuilder().setTimeUnixNano(b.getEvents(i).getTimeUnixNano() + shift));
          }
          sb.addSpans(b);
        }
        rb.addScopeSpans(sb);
      }
      out.add(Traces.of(List.of(rb.build())));
    }
    return List.copyOf(out);
  }

  /** Returns every fixture trace in one batch, moved to {@code baseNanos}. */
  public static Traces all(long baseNanos) {
    List<ResourceSpans> all = new ArrayList<>();
    for (Traces t : batches(baseNanos)) {
      all.addAll(t.resourceSpans());
    }
    return Traces.of(all);
  }

  /** The fixture traces by the names {@code search-queries.json} gives them, such as {@code checkoutSlow}. */
  public static Map<String, TraceId> traceIds() {
    return Collections.unmodifiableMap(QueryFile.load(FILE_BASE_NANOS).traces);
  }

  /** Opens the queries file, {@code search-queries.json}. */
  static InputStream queries() {
    return resource(QUERIES);
  }

  private static InputStream resource(String name) {
    InputStream in = SearchFixtures.class.getResourceAsStream(requireNonNull(name, "name"));
    if (in == null) {
      throw new IllegalStateException(name + " is missing from the conformance jar");
    }
    return in;
  }
}
