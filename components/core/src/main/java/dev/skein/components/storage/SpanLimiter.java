package dev.skein.components.storage;

import com.google.protobuf.ByteString;
import dev.skein.components.storage.StorageExtensionConfig.LimitsConfig;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts each batch to one storage backend's {@code limits} before it is written, following the
 * OpenTelemetry SDK's span limits:
 *
 * <ul>
 *   <li>{@code max_attribute_value_length}: a string value longer than this many Unicode code
 *       points is cut to its first that many (never inside a surrogate pair, so it stays valid
 *       UTF-8); a byte array longer than this many bytes is cut to its first that many. Elements
 *       of arrays and values of key-value lists are cut the same way, each on its own. This
 *       applies to every attribute in the batch: resource, scope, span, event and link.
 *   <li>{@code max_attributes_per_span}: each attribute list (of the resource, the scope, the
 *       span, each event and each link) keeps its first this many attributes; the rest are
 *       dropped and added to that list's {@code dropped_attributes_count}.
 *   <li>{@code max_events_per_span}, {@code max_links_per_span}: a span keeps its first this many
 *       events (links); the rest are dropped and added to {@code dropped_events_count}
 *       ({@code dropped_links_count}).
 *   <li>{@code max_spans_per_trace}: spans are counted per tenant and trace ID as they pass; once a
 *       trace has this many, its further spans are dropped. Counts live in this process only, in
 *       an LRU of the {@code max_tracked_traces} most recently written traces: the cap is exact
 *       while a trace stays in it, and a restart or an eviction starts the trace's count again
 *       from zero. Every span counts, including a span ID sent again.
 * </ul>
 *
 * <p>What was cut is counted in Skein's telemetry, with the exporter's ID as the label:
 * {@value #DROPPED_SPANS}, {@value #TRUNCATED_VALUES}, {@value #DROPPED_ATTRIBUTES},
 * {@value #DROPPED_EVENTS} and {@value #DROPPED_LINKS}. Dropped spans are also logged, at most
 * once a minute per backend. Thread-safe.
 */
final class SpanLimiter {
  static final String DROPPED_SPANS = "skein_storage_dropped_spans";
  static final String TRUNCATED_VALUES = "skein_storage_truncated_attribute_values";
  static final String DROPPED_ATTRIBUTES = "skein_storage_dropped_attributes";
  static final String DROPPED_EVENTS = "skein_storage_dropped_events";
  static final String DROPPED_LINKS = "skein_storage_dropped_links";

  private static final Logger log = LoggerFactory.getLogger(SpanLimiter.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final String backend;
  private final int maxValueLength;
  private final int maxAttributes;
  private final int maxEvents;
  private final int maxLinks;
  private final int maxSpansPerTrace;
  /** Spans written per trace, least recently written first; guarded by itself. */
  private final LinkedHashMap<TraceKey, Integer> spansPerTrace;
  private final AtomicLong nextLog = new AtomicLong(System.nanoTime());

  SpanLimiter(String backend, LimitsConfig limits) {
    this.backend = backend;
    this.maxValueLength = limits.maxAttributeValueLength;
    this.maxAttributes = limits.maxAttributesPerSpan;
    this.maxEvents = limits.maxEventsPerSpan;
    this.maxLinks = limits.maxLinksPerSpan;
    this.maxSpansPerTrace = limits.maxSpansPerTrace;
    int maxTracked = limits.maxTrackedTraces;
    this.spansPerTrace = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TraceKey, Integer> eldest) {
        return size() > maxTracked;
      }
    };
  }

  int maxSpansPerTrace() {
    return maxSpansPerTrace;
  }

  private record TraceKey(String tenant, ByteString traceId) {}

  /**
   * Returns {@code traces} cut to the limits, keeping its tenant; the same instance when nothing
   * was cut. The spans it keeps count towards their traces' caps at once, so concurrent batches
   * of one trace cannot pass the cap together; {@link Limited#unwritten} gives them back.
   */
  Limited limit(Traces traces) {
    Counts c = new Counts();
    Map<TraceKey, Integer> admitted = new HashMap<>();
    List<ResourceSpans> out = new ArrayList<>(traces.resourceSpans().size());
    boolean changed = false;
    synchronized (spansPerTrace) {
      for (ResourceSpans rs : traces.resourceSpans()) {
        List<ScopeSpans> scopes = new ArrayList<>(rs.getScopeSpansCount());
        boolean scopesChanged = false;
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          List<Span> kept = new ArrayList<>(ss.getSpansCount());
          for (Span span : ss.getSpansList()) {
            TraceKey key = new TraceKey(traces.tenant(), span.getTraceId());
            int n = spansPerTrace.getOrDefault(key, 0);
            if (n >= maxSpansPerTrace) {
              c.droppedSpans++;
              c.droppedTrace = key.traceId();
              continue;
            }
            spansPerTrace.put(key, n + 1);
            admitted.merge(key, 1, Integer::sum);
            kept.add(span);
          }
          scopesChanged |= kept.size() != ss.getSpansCount();
          if (!kept.isEmpty()) {
            scopes.add(kept.size() == ss.getSpansCount() ? ss : ss.toBuilder().clearSpans().addAllSpans(kept).build());
          }
        }
        changed |= scopesChanged;
        if (!scopes.isEmpty()) {
          out.add(scopesChanged ? rs.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build() : rs);
        }
      }
    }
    // The attributes are cut outside the lock: a 10 MB value takes a while to copy.
    for (int i = 0; i < out.size(); i++) {
      ResourceSpans rs = limitResourceSpans(out.get(i), c);
      changed |= rs != out.get(i);
      out.set(i, rs);
    }
    if (c.droppedSpans > 0 && logNow()) {
      log.warn("storage backend \"{}\": dropped {} spans of a batch (the last of trace {}) beyond"
          + " limits::max_spans_per_trace ({}); every dropped span is counted in {}_total, and this is logged"
          + " at most once a minute", backend, c.droppedSpans, dev.skein.model.Hex.encode(c.droppedTrace),
          maxSpansPerTrace, DROPPED_SPANS);
    }
    return new Limited(changed ? traces.withResourceSpans(out) : traces, c, admitted);
  }

  private boolean logNow() {
    long now = System.nanoTime();
    long next = nextLog.get();
    return now - next >= 0 && nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS);
  }

  /** A batch cut to the limits, with what was cut. */
  final class Limited {
    private final Traces traces;
    private final Counts counts;
    private final Map<TraceKey, Integer> admitted;

    private Limited(Traces traces, Counts counts, Map<TraceKey, Integer> admitted) {
      this.traces = traces;
      this.counts = counts;
      this.admitted = admitted;
    }

    /** The spans to write. */
    Traces traces() {
      return traces;
    }

    /** Adds what was cut to {@code telemetry}, labelled {@code exporter="<exporter>"}; call once the batch is written. */
    void count(Telemetry telemetry, String exporter) {
      add(telemetry, DROPPED_SPANS, exporter, counts.droppedSpans);
      add(telemetry, TRUNCATED_VALUES, exporter, counts.truncatedValues);
      add(telemetry, DROPPED_ATTRIBUTES, exporter, counts.droppedAttributes);
      add(telemetry, DROPPED_EVENTS, exporter, counts.droppedEvents);
      add(telemetry, DROPPED_LINKS, exporter, counts.droppedLinks);
    }

    /**
     * Gives the spans of this batch back to their traces' caps, because the batch was not written;
     * a retry of it then counts as if it came first.
     */
    void unwritten() {
      synchronized (spansPerTrace) {
        admitted.forEach((key, n) -> spansPerTrace.computeIfPresent(key, (k, v) -> v > n ? v - n : null));
      }
    }

    private void add(Telemetry telemetry, String metric, String exporter, long n) {
      if (n > 0) {
        telemetry.add(metric, "exporter", exporter, n);
      }
    }
  }

  private static final class Counts {
    long droppedSpans;
    @Nullable ByteString droppedTrace;
    long truncatedValues;
    long droppedAttributes;
    long droppedEvents;
    long droppedLinks;
  }

  private ResourceSpans limitResourceSpans(ResourceSpans rs, Counts c) {
    ResourceSpans.Builder b = null;
    List<KeyValue> resource = attributes(rs.getResource().getAttributesList(), c);
    if (resource != null) {
      b = rs.toBuilder();
      b.getResourceBuilder().clearAttributes().addAllAttributes(resource).setDroppedAttributesCount(
          dropped(rs.getResource().getDroppedAttributesCount(), rs.getResource().getAttributesCount(), resource));
    }
    for (int i = 0; i < rs.getScopeSpansCount(); i++) {
      ScopeSpans ss = limitScopeSpans(rs.getScopeSpans(i), c);
      if (ss != rs.getScopeSpans(i)) {
        b = b != null ? b : rs.toBuilder();
        b.setScopeSpans(i, ss);
      }
    }
    return b == null ? rs : b.build();
  }

  private ScopeSpans limitScopeSpans(ScopeSpans ss, Counts c) {
    ScopeSpans.Builder b = null;
    List<KeyValue> scope = attributes(ss.getScope().getAttributesList(), c);
    if (scope != null) {
      b = ss.toBuilder();
      b.getScopeBuilder().clearAttributes().addAllAttributes(scope).setDroppedAttributesCount(
          dropped(ss.getScope().getDroppedAttributesCount(), ss.getScope().getAttributesCount(), scope));
    }
    for (int i = 0; i < ss.getSpansCount(); i++) {
      Span span = limitSpan(ss.getSpans(i), c);
      if (span != ss.getSpans(i)) {
        b = b != null ? b : ss.toBuilder();
        b.setSpans(i, span);
      }
    }
    return b == null ? ss : b.build();
  }

  private Span limitSpan(Span span, Counts c) {
    Span.Builder b = null;
    List<KeyValue> attributes = attributes(span.getAttributesList(), c);
    if (attributes != null) {
      b = span.toBuilder().clearAttributes().addAllAttributes(attributes).setDroppedAttributesCount(
          dropped(span.getDroppedAttributesCount(), span.getAttributesCount(), attributes));
    }
    int events = Math.min(span.getEventsCount(), maxEvents);
    List<Span.Event> keptEvents = new ArrayList<>(events);
    boolean eventsChanged = events < span.getEventsCount();
    for (Span.Event e : span.getEventsList().subList(0, events)) {
      List<KeyValue> a = attributes(e.getAttributesList(), c);
      eventsChanged |= a != null;
      keptEvents.add(a == null ? e : e.toBuilder().clearAttributes().addAllAttributes(a)
          .setDroppedAttributesCount(dropped(e.getDroppedAttributesCount(), e.getAttributesCount(), a)).build());
    }
    if (eventsChanged) {
      c.droppedEvents += span.getEventsCount() - events;
      b = (b != null ? b : span.toBuilder()).clearEvents().addAllEvents(keptEvents)
          .setDroppedEventsCount(saturatedAdd(span.getDroppedEventsCount(), span.getEventsCount() - events));
    }
    int links = Math.min(span.getLinksCount(), maxLinks);
    List<Span.Link> keptLinks = new ArrayList<>(links);
    boolean linksChanged = links < span.getLinksCount();
    for (Span.Link l : span.getLinksList().subList(0, links)) {
      List<KeyValue> a = attributes(l.getAttributesList(), c);
      linksChanged |= a != null;
      keptLinks.add(a == null ? l : l.toBuilder().clearAttributes().addAllAttributes(a)
          .setDroppedAttributesCount(dropped(l.getDroppedAttributesCount(), l.getAttributesCount(), a)).build());
    }
    if (linksChanged) {
      c.droppedLinks += span.getLinksCount() - links;
      b = (b != null ? b : span.toBuilder()).clearLinks().addAllLinks(keptLinks)
          .setDroppedLinksCount(saturatedAdd(span.getDroppedLinksCount(), span.getLinksCount() - links));
    }
    return b == null ? span : b.build();
  }

  /** Returns {@code attributes} cut to the limits, or null when they are within them. */
  private @Nullable List<KeyValue> attributes(List<KeyValue> attributes, Counts c) {
    int n = Math.min(attributes.size(), maxAttributes);
    List<KeyValue> out = null;
    for (int i = 0; i < n; i++) {
      KeyValue kv = attributes.get(i);
      AnyValue v = value(kv.getValue(), c);
      if (v != null && out == null) {
        out = new ArrayList<>(attributes.subList(0, i));
      }
      if (out != null) {
        out.add(v == null ? kv : kv.toBuilder().setValue(v).build());
      }
    }
    if (out == null && n < attributes.size()) {
      out = new ArrayList<>(attributes.subList(0, n));
    }
    c.droppedAttributes += attributes.size() - n;
    return out;
  }

  /** Returns {@code v} with its strings and byte arrays cut to the value length, or null when none is longer. */
  private @Nullable AnyValue value(AnyValue v, Counts c) {
    switch (v.getValueCase()) {
      case STRING_VALUE: {
        // UTF-8 has at least one byte per code point, so a short encoding needs no decoding.
        if (v.getStringValueBytes().size() <= maxValueLength) {
          return null;
        }
        String s = v.getStringValue();
        if (s.length() <= maxValueLength || s.codePointCount(0, s.length()) <= maxValueLength) {
          return null;
        }
        c.truncatedValues++;
        return AnyValue.newBuilder().setStringValue(s.substring(0, s.offsetByCodePoints(0, maxValueLength))).build();
      }
      case BYTES_VALUE: {
        if (v.getBytesValue().size() <= maxValueLength) {
          return null;
        }
        c.truncatedValues++;
        return AnyValue.newBuilder().setBytesValue(v.getBytesValue().substring(0, maxValueLength)).build();
      }
      case ARRAY_VALUE: {
        ArrayValue.Builder b = null;
        for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
          AnyValue e = value(v.getArrayValue().getValues(i), c);
          if (e != null) {
            b = b != null ? b : v.getArrayValue().toBuilder();
            b.setValues(i, e);
          }
        }
        return b == null ? null : AnyValue.newBuilder().setArrayValue(b).build();
      }
      case KVLIST_VALUE: {
        KeyValueList.Builder b = null;
        for (int i = 0; i < v.getKvlistValue().getValuesCount(); i++) {
          KeyValue kv = v.getKvlistValue().getValues(i);
          AnyValue e = value(kv.getValue(), c);
          if (e != null) {
            b = b != null ? b : v.getKvlistValue().toBuilder();
            b.setValues(i, kv.toBuilder().setValue(e));
          }
        }
        return b == null ? null : AnyValue.newBuilder().setKvlistValue(b).build();
      }
      default:
        return null;
    }
  }

  private static int dropped(int before, int count, List<KeyValue> kept) {
    return saturatedAdd(before, count - kept.size());
  }

  /** Adds to a {@code uint32} count held in an int, stopping at its maximum. */
  private static int saturatedAdd(int uint32, int n) {
    long sum = Integer.toUnsignedLong(uint32) + n;
    return (int) Math.min(sum, 0xFFFF_FFFFL);
  }
}
