package dev.skein.components.ottl;

import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** The paths each context supports, as in the Collector's ottlspan and ottlspanevent contexts. */
final class Paths {
  /** The enums conditions may use, with their numeric values. */
  static final Map<String, Long> ENUMS;

  static {
    Map<String, Long> e = new LinkedHashMap<>();
    e.put("SPAN_KIND_UNSPECIFIED", 0L);
    e.put("SPAN_KIND_INTERNAL", 1L);
    e.put("SPAN_KIND_SERVER", 2L);
    e.put("SPAN_KIND_CLIENT", 3L);
    e.put("SPAN_KIND_PRODUCER", 4L);
    e.put("SPAN_KIND_CONSUMER", 5L);
    e.put("STATUS_CODE_UNSET", 0L);
    e.put("STATUS_CODE_OK", 1L);
    e.put("STATUS_CODE_ERROR", 2L);
    ENUMS = Collections.unmodifiableMap(e);
  }

  /** The paths of one context: fields, and maps that take keys. */
  private record Table(Map<String, Function<Subject, Object>> fields,
      Map<String, Function<Subject, List<KeyValue>>> maps) {}

  private static final Table SPAN = spanTable();
  private static final Table SPANEVENT = spanEventTable();

  private Paths() {}

  static @Nullable Function<Subject, Object> field(Context context, String path) {
    return table(context).fields().get(path);
  }

  static @Nullable Function<Subject, List<KeyValue>> map(Context context, String path) {
    return table(context).maps().get(path);
  }

  /** Every path of {@code context}, sorted, maps written with a key. */
  static List<String> supported(Context context) {
    Table t = table(context);
    TreeSet<String> all = new TreeSet<>();
    for (String f : t.fields().keySet()) {
      if (!f.startsWith(context == Context.SPAN ? "span." : "spanevent.") && !f.startsWith("scope.")) {
        all.add(f);
      }
    }
    for (String m : t.maps().keySet()) {
      if (!m.startsWith(context == Context.SPAN ? "span." : "spanevent.") && !m.startsWith("scope.")) {
        all.add(m + "[\"key\"]");
      }
    }
    return new ArrayList<>(all);
  }

  private static Table table(Context context) {
    return context == Context.SPAN ? SPAN : SPANEVENT;
  }

  private static Table spanTable() {
    Map<String, Function<Subject, Object>> fields = new LinkedHashMap<>();
    Map<String, Function<Subject, List<KeyValue>>> maps = new LinkedHashMap<>();
    addSpan(fields, maps, "", Subject::span);
    addSpan(fields, maps, "span.", Subject::span);
    addCommon(fields, maps);
    return new Table(fields, maps);
  }

  private static Table spanEventTable() {
    Map<String, Function<Subject, Object>> fields = new LinkedHashMap<>();
    Map<String, Function<Subject, List<KeyValue>>> maps = new LinkedHashMap<>();
    for (String prefix : List.of("", "spanevent.")) {
      fields.put(prefix + "name", s -> s.event().getName());
      fields.put(prefix + "time_unix_nano", s -> s.event().getTimeUnixNano());
      fields.put(prefix + "dropped_attributes_count", s -> (long) s.event().getDroppedAttributesCount());
      maps.put(prefix + "attributes", s -> s.event().getAttributesList());
    }
    addSpan(fields, maps, "span.", Subject::span);
    addCommon(fields, maps);
    return new Table(fields, maps);
  }

  private static void addSpan(Map<String, Function<Subject, Object>> fields,
      Map<String, Function<Subject, List<KeyValue>>> maps, String p, Function<Subject, Span> span) {
    fields.put(p + "name", s -> span.apply(s).getName());
    fields.put(p + "kind", s -> (long) span.apply(s).getKindValue());
    fields.put(p + "kind.string", s -> kindString(span.apply(s).getKindValue()));
    fields.put(p + "kind.deprecated_string", s -> kindDeprecatedString(span.apply(s).getKindValue()));
    fields.put(p + "status.code", s -> (long) span.apply(s).getStatus().getCodeValue());
    fields.put(p + "status.message", s -> span.apply(s).getStatus().getMessage());
    fields.put(p + "trace_id", s -> span.apply(s).getTraceId());
    fields.put(p + "trace_id.string", s -> Hex.encode(span.apply(s).getTraceId()));
    fields.put(p + "span_id", s -> span.apply(s).getSpanId());
    fields.put(p + "span_id.string", s -> Hex.encode(span.apply(s).getSpanId()));
    fields.put(p + "parent_span_id", s -> span.apply(s).getParentSpanId());
    fields.put(p + "parent_span_id.string", s -> Hex.encode(span.apply(s).getParentSpanId()));
    fields.put(p + "trace_state", s -> span.apply(s).getTraceState());
    fields.put(p + "start_time_unix_nano", s -> span.apply(s).getStartTimeUnixNano());
    fields.put(p + "end_time_unix_nano", s -> span.apply(s).getEndTimeUnixNano());
    fields.put(p + "dropped_attributes_count", s -> (long) span.apply(s).getDroppedAttributesCount());
    fields.put(p + "dropped_events_count", s -> (long) span.apply(s).getDroppedEventsCount());
    fields.put(p + "dropped_links_count", s -> (long) span.apply(s).getDroppedLinksCount());
    maps.put(p + "attributes", s -> span.apply(s).getAttributesList());
  }

  private static void addCommon(Map<String, Function<Subject, Object>> fields,
      Map<String, Function<Subject, List<KeyValue>>> maps) {
    maps.put("resource.attributes", s -> s.resource().getAttributesList());
    fields.put("resource.dropped_attributes_count", s -> (long) s.resource().getDroppedAttributesCount());
    for (String p : List.of("instrumentation_scope.", "scope.")) {
      fields.put(p + "name", s -> s.scope().getName());
      fields.put(p + "version", s -> s.scope().getVersion());
      fields.put(p + "dropped_attributes_count", s -> (long) s.scope().getDroppedAttributesCount());
      maps.put(p + "attributes", s -> s.scope().getAttributesList());
    }
  }

  /** The kind as the Collector's {@code SpanKind.String()} writes it, e.g. "Server". */
  private static String kindString(int kind) {
    switch (kind) {
      case 0: return "Unspecified";
      case 1: return "Internal";
      case 2: return "Server";
      case 3: return "Client";
      case 4: return "Producer";
      case 5: return "Consumer";
      default: return "";
    }
  }

  private static String kindDeprecatedString(int kind) {
    switch (kind) {
      case 1: return "SPAN_KIND_INTERNAL";
      case 2: return "SPAN_KIND_SERVER";
      case 3: return "SPAN_KIND_CLIENT";
      case 4: return "SPAN_KIND_PRODUCER";
      case 5: return "SPAN_KIND_CONSUMER";
      default: return "SPAN_KIND_UNSPECIFIED";
    }
  }
}
