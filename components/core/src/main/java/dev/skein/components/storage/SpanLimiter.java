package dev.skein.components.storage;

import com.google.protobuf.ByteString;
import dev.skein.components.storage.StorageExtensionConfig.LimitsConfig;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Collection;
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
 *       from zero. Every span counts, including a span ID sent again. A batch counts at once: of
 *       each trace it keeps the first spans in batch order that fit, and its traces become the most
 *       recently written in the order of their last span in the batch.
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
  // Bound once, so that walking a batch within the limits allocates nothing.
  private final Cut<ResourceSpans> cutResourceSpans = this::limitResourceSpans;
  private final Cut<ScopeSpans> cutScopeSpans = this::limitScopeSpans;
  private final Cut<Span> cutSpan = this::limitSpan;
  private final Cut<Span.Event> cutEvent = this::limitEvent;
  private final Cut<Span.Link> cutLink = this::limitLink;
  private final Cut<KeyValue> cutKeyValue = this::limitKeyValue;
  private final Cut<AnyValue> cutValue = this::limitValue;

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

  /** One trace's spans in one batch. */
  private static final class TraceCount {
    final TraceKey key;
    /** Spans of the trace in the batch. */
    int spans;
    /** How many of them, the first in batch order, fit under the cap. */
    int admitted;
    /** Spans of the trace seen so far while dropping those beyond {@link #admitted}. */
    int seen;

    TraceCount(TraceKey key) {
      this.key = key;
    }
  }

  /** Cuts one item to the limits: the item itself when it is within them. */
  @FunctionalInterface
  private interface Cut<T> {
    T apply(T item, Counts c);
  }

  /**
   * Returns {@code traces} cut to the limits, keeping its tenant; the same instance when nothing
   * was cut. The spans it keeps count towards their traces' caps at once, so concurrent batches
   * of one trace cannot pass the cap together; {@link Limited#unwritten} gives them back.
   */
  Limited limit(Traces traces) {
    Counts c = new Counts();
    Map<ByteString, TraceCount> perTrace = countSpansPerTrace(traces);
    boolean overCap = false;
    synchronized (spansPerTrace) {
      // In the order of each trace's last span in the batch, so that the trace written last is the most recent.
      for (TraceCount t : perTrace.values()) {
        int n = spansPerTrace.getOrDefault(t.key, 0);
        t.admitted = Math.max(0, Math.min(t.spans, maxSpansPerTrace - n));
        spansPerTrace.put(t.key, n + t.admitted);
        overCap |= t.admitted < t.spans;
      }
    }
    List<ResourceSpans> in = overCap ? dropSpansOverCap(traces.resourceSpans(), perTrace, c) : traces.resourceSpans();
    // The attributes are cut outside the lock: a 10 MB value takes a while to copy.
    List<ResourceSpans> out = limitEach(in, Integer.MAX_VALUE, cutResourceSpans, c);
    if (c.droppedSpans > 0 && logNow()) {
      log.warn("storage backend \"{}\": dropped {} spans of a batch (the last of trace {}) beyond"
          + " limits::max_spans_per_trace ({}); every dropped span is counted in {}_total, and this is logged"
          + " at most once a minute", backend, c.droppedSpans, dev.skein.model.Hex.encode(c.droppedTrace),
          maxSpansPerTrace, DROPPED_SPANS);
    }
    List<ResourceSpans> kept = out != null ? out : in;
    return new Limited(kept == traces.resourceSpans() ? traces : traces.withResourceSpans(kept), c,
        perTrace.values());
  }

  /** Counts the batch's spans per trace; the traces iterate in the order of their last span. */
  private static Map<ByteString, TraceCount> countSpansPerTrace(Traces traces) {
    // Access order: each span moves its trace to the end.
    Map<ByteString, TraceCount> perTrace = new LinkedHashMap<>(16, 0.75f, true);
    String tenant = traces.tenant();
    for (ResourceSpans rs : traces.resourceSpans()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          // Not computeIfAbsent: its lambda would capture the tenant, one allocation a span.
          TraceCount t = perTrace.get(span.getTraceId());
          if (t == null) {
            t = new TraceCount(new TraceKey(tenant, span.getTraceId()));
            perTrace.put(span.getTraceId(), t);
          }
          t.spans++;
        }
      }
    }
    return perTrace;
  }

  /**
   * Keeps each trace's first {@link TraceCount#admitted} spans in batch order, and drops the scopes and resources
   * left empty.
   */
  private static List<ResourceSpans> dropSpansOverCap(List<ResourceSpans> batch, Map<ByteString, TraceCount> perTrace,
      Counts c) {
    List<ResourceSpans> out = new ArrayList<>(batch.size());
    for (ResourceSpans rs : batch) {
      List<ScopeSpans> scopes = new ArrayList<>(rs.getScopeSpansCount());
      boolean scopesChanged = false;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        List<Span> kept = new ArrayList<>(ss.getSpansCount());
        for (Span span : ss.getSpansList()) {
          TraceCount t = perTrace.get(span.getTraceId());
          if (t.seen++ < t.admitted) {
            kept.add(span);
          } else {
            c.droppedSpans++;
            c.droppedTrace = span.getTraceId();
          }
        }
        scopesChanged |= kept.size() != ss.getSpansCount();
        if (!kept.isEmpty()) {
          scopes.add(kept.size() == ss.getSpansCount() ? ss : ss.toBuilder().clearSpans().addAllSpans(kept).build());
        }
      }
      if (!scopes.isEmpty()) {
        out.add(scopesChanged ? rs.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build() : rs);
      }
    }
    return out;
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
    private final Collection<TraceCount> admitted;

    private Limited(Traces traces, Counts counts, Collection<TraceCount> admitted) {
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
        for (TraceCount t : admitted) {
          if (t.admitted > 0) {
            spansPerTrace.computeIfPresent(t.key, (k, v) -> v > t.admitted ? v - t.admitted : null);
          }
        }
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

  /** An attribute list cut to the limits, with its new {@code dropped_attributes_count}. */
  private record Attributes(List<KeyValue> kept, int droppedCount) {}

  private ResourceSpans limitResourceSpans(ResourceSpans rs, Counts c) {
    Resource r = rs.getResource();
    Attributes a = attributes(r.getAttributesList(), r.getDroppedAttributesCount(), c);
    List<ScopeSpans> scopes = limitEach(rs.getScopeSpansList(), Integer.MAX_VALUE, cutScopeSpans, c);
    if (a == null && scopes == null) {
      return rs;
    }
    ResourceSpans.Builder b = rs.toBuilder();
    if (a != null) {
      b.getResourceBuilder().clearAttributes().addAllAttributes(a.kept()).setDroppedAttributesCount(a.droppedCount());
    }
    return (scopes == null ? b : b.clearScopeSpans().addAllScopeSpans(scopes)).build();
  }

  private ScopeSpans limitScopeSpans(ScopeSpans ss, Counts c) {
    InstrumentationScope s = ss.getScope();
    Attributes a = attributes(s.getAttributesList(), s.getDroppedAttributesCount(), c);
    List<Span> spans = limitEach(ss.getSpansList(), Integer.MAX_VALUE, cutSpan, c);
    if (a == null && spans == null) {
      return ss;
    }
    ScopeSpans.Builder b = ss.toBuilder();
    if (a != null) {
      b.getScopeBuilder().clearAttributes().addAllAttributes(a.kept()).setDroppedAttributesCount(a.droppedCount());
    }
    return (spans == null ? b : b.clearSpans().addAllSpans(spans)).build();
  }

  private Span limitSpan(Span span, Counts c) {
    if (fitsWhole(span)) {
      return span;
    }
    Attributes a = attributes(span.getAttributesList(), span.getDroppedAttributesCount(), c);
    List<Span.Event> events = limitEach(span.getEventsList(), maxEvents, cutEvent, c);
    List<Span.Link> links = limitEach(span.getLinksList(), maxLinks, cutLink, c);
    if (a == null && events == null && links == null) {
      return span;
    }
    Span.Builder b = span.toBuilder();
    if (a != null) {
      b.clearAttributes().addAllAttributes(a.kept()).setDroppedAttributesCount(a.droppedCount());
    }
    if (events != null) {
      int dropped = span.getEventsCount() - events.size();
      c.droppedEvents += dropped;
      b.clearEvents().addAllEvents(events).setDroppedEventsCount(saturatedAdd(span.getDroppedEventsCount(), dropped));
    }
    if (links != null) {
      int dropped = span.getLinksCount() - links.size();
      c.droppedLinks += dropped;
      b.clearLinks().addAllLinks(links).setDroppedLinksCount(saturatedAdd(span.getDroppedLinksCount(), dropped));
    }
    return b.build();
  }

  /**
   * Whether {@code span} is within every limit by its counts and its encoded size alone: no value inside a span is
   * longer than the span's encoding. False says only that the span must be walked.
   */
  private boolean fitsWhole(Span span) {
    // The message keeps its size once computed, and a store that serializes the span reuses it.
    if (span.getSerializedSize() > maxValueLength || span.getAttributesCount() > maxAttributes
        || span.getEventsCount() > maxEvents || span.getLinksCount() > maxLinks) {
      return false;
    }
    for (int i = 0; i < span.getEventsCount(); i++) {
      if (span.getEvents(i).getAttributesCount() > maxAttributes) {
        return false;
      }
    }
    for (int i = 0; i < span.getLinksCount(); i++) {
      if (span.getLinks(i).getAttributesCount() > maxAttributes) {
        return false;
      }
    }
    return true;
  }

  private Span.Event limitEvent(Span.Event e, Counts c) {
    Attributes a = attributes(e.getAttributesList(), e.getDroppedAttributesCount(), c);
    return a == null ? e : e.toBuilder().clearAttributes().addAllAttributes(a.kept())
        .setDroppedAttributesCount(a.droppedCount()).build();
  }

  private Span.Link limitLink(Span.Link l, Counts c) {
    Attributes a = attributes(l.getAttributesList(), l.getDroppedAttributesCount(), c);
    return a == null ? l : l.toBuilder().clearAttributes().addAllAttributes(a.kept())
        .setDroppedAttributesCount(a.droppedCount()).build();
  }

  /**
   * Returns {@code attributes}, of which {@code droppedCount} were dropped before, cut to the limits; null when they
   * are within them.
   */
  private @Nullable Attributes attributes(List<KeyValue> attributes, int droppedCount, Counts c) {
    List<KeyValue> kept = limitEach(attributes, maxAttributes, cutKeyValue, c);
    if (kept == null) {
      return null;
    }
    int dropped = attributes.size() - kept.size();
    c.droppedAttributes += dropped;
    return new Attributes(kept, saturatedAdd(droppedCount, dropped));
  }

  /**
   * Returns the first {@code max} of {@code items}, each cut by {@code cut}; null when that is {@code items}
   * unchanged. Allocates nothing in that case.
   */
  private static <T> @Nullable List<T> limitEach(List<T> items, int max, Cut<T> cut, Counts c) {
    int n = Math.min(items.size(), max);
    List<T> out = null;
    for (int i = 0; i < n; i++) {
      T item = items.get(i);
      T limited = cut.apply(item, c);
      if (limited != item && out == null) {
        out = new ArrayList<>(n);
        out.addAll(items.subList(0, i));
      }
      if (out != null) {
        out.add(limited);
      }
    }
    return out == null && n < items.size() ? items.subList(0, n) : out;
  }

  private KeyValue limitKeyValue(KeyValue kv, Counts c) {
    AnyValue v = limitValue(kv.getValue(), c);
    return v == kv.getValue() ? kv : kv.toBuilder().setValue(v).build();
  }

  /**
   * Returns {@code v} with its strings and byte arrays cut to the value length; {@code v} itself when none is longer.
   */
  private AnyValue limitValue(AnyValue v, Counts c) {
    // No string (in UTF-8, at least one byte a code point) or byte array inside a value is longer than the value's
    // encoding. Its size is kept by the message and reused when the span is serialized, and it is computed without
    // converting a string between String and UTF-8 bytes as getStringValueBytes() would.
    if (v.getSerializedSize() <= maxValueLength) {
      return v;
    }
    switch (v.getValueCase()) {
      case STRING_VALUE: {
        if (v.getStringValueBytes().size() <= maxValueLength) {
          return v;
        }
        String s = v.getStringValue();
        if (s.length() <= maxValueLength || s.codePointCount(0, s.length()) <= maxValueLength) {
          return v;
        }
        c.truncatedValues++;
        return AnyValue.newBuilder().setStringValue(s.substring(0, s.offsetByCodePoints(0, maxValueLength))).build();
      }
      case BYTES_VALUE: {
        if (v.getBytesValue().size() <= maxValueLength) {
          return v;
        }
        c.truncatedValues++;
        return AnyValue.newBuilder().setBytesValue(v.getBytesValue().substring(0, maxValueLength)).build();
      }
      case ARRAY_VALUE: {
        List<AnyValue> values = limitEach(v.getArrayValue().getValuesList(), Integer.MAX_VALUE, cutValue, c);
        return values == null ? v
            : v.toBuilder().setArrayValue(v.getArrayValue().toBuilder().clearValues().addAllValues(values)).build();
      }
      case KVLIST_VALUE: {
        List<KeyValue> values = limitEach(v.getKvlistValue().getValuesList(), Integer.MAX_VALUE, cutKeyValue, c);
        return values == null ? v
            : v.toBuilder().setKvlistValue(v.getKvlistValue().toBuilder().clearValues().addAllValues(values)).build();
      }
      default:
        return v;
    }
  }

  /** Adds to a {@code uint32} count held in an int, stopping at its maximum. */
  private static int saturatedAdd(int uint32, int n) {
    long sum = Integer.toUnsignedLong(uint32) + n;
    return (int) Math.min(sum, 0xFFFF_FFFFL);
  }
}
