package dev.skein.storage.conformance;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares traces as a store must return them: the same spans under the same resource and scope
 * headers, whatever the order of groups and spans.
 */
public final class TraceAssertions {
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();
  private static final Comparator<Message> BY_BYTES =
      (a, b) -> BYTES.compare(a.toByteString(), b.toByteString());
  private static final Comparator<Span> SPANS =
      Comparator.comparing(Span::getSpanId, BYTES).thenComparing(BY_BYTES);

  private TraceAssertions() {}

  /**
   * Returns {@code traces} regrouped so that each resource header and, within it, each scope
   * header appears once, with groups ordered by their serialized headers and spans by span ID
   * (then by their serialized form, so duplicates are adjacent). Two batches holding the same
   * spans under the same headers normalize to equal messages.
   */
  public static Traces normalize(Traces traces) {
    requireNonNull(traces, "traces");
    Map<ResourceSpans, Map<ScopeSpans, List<Span>>> groups = new LinkedHashMap<>();
    traces.forEachSpan((rs, ss, span) -> groups
        .computeIfAbsent(header(rs), k -> new LinkedHashMap<>())
        .computeIfAbsent(header(ss), k -> new ArrayList<>())
        .add(span));
    List<ResourceSpans> out = new ArrayList<>();
    groups.forEach((resource, scopes) -> {
      ResourceSpans.Builder rb = resource.toBuilder();
      scopes.entrySet().stream()
          .sorted(Map.Entry.comparingByKey(BY_BYTES))
          .forEach(e -> {
            List<Span> spans = new ArrayList<>(e.getValue());
            spans.sort(SPANS);
            rb.addScopeSpans(e.getKey().toBuilder().addAllSpans(spans));
          });
      out.add(rb.build());
    });
    out.sort(Comparator.comparing(
        (ResourceSpans rs) -> rs.toBuilder().clearScopeSpans().build().toByteString(), BYTES));
    return Traces.of(out);
  }

  /** Returns only the spans of {@code traceId} in {@code traces}, normalized. */
  public static Traces spansOf(Traces traces, TraceId traceId) {
    requireNonNull(traceId, "traceId");
    Traces.Builder b = Traces.builder();
    traces.forEachSpan((rs, ss, span) -> {
      if (span.getTraceId().equals(traceId.bytes())) {
        b.add(rs, ss, span);
      }
    });
    return normalize(b.build());
  }

  /**
   * Asserts that {@code actual} holds exactly the spans of {@code expected} under the same headers,
   * field by field. On a difference the failure shows both sides in protobuf text format.
   */
  public static void assertSameSpans(Traces actual, Traces expected) {
    Traces a = normalize(actual);
    Traces e = normalize(expected);
    assertThat(text(a)).as("spans in protobuf text format").isEqualTo(text(e));
    // Text format can hide differences (unknown fields, -0.0 against 0.0), so compare the messages too.
    assertThat(a.resourceSpans()).as("spans as protobuf messages").isEqualTo(e.resourceSpans());
    assertThat(a.spanCount()).as("span count").isEqualTo(e.spanCount());
  }

  /** Returns {@code traces} in protobuf text format, one resource group after the other. */
  public static String text(Traces traces) {
    StringBuilder sb = new StringBuilder();
    for (ResourceSpans rs : traces.resourceSpans()) {
      sb.append("resource_spans {\n").append(TextFormat.printer().printToString(rs)).append("}\n");
    }
    return sb.toString();
  }

  private static ResourceSpans header(ResourceSpans rs) {
    return rs.getScopeSpansCount() == 0 ? rs : rs.toBuilder().clearScopeSpans().build();
  }

  private static ScopeSpans header(ScopeSpans ss) {
    return ss.getSpansCount() == 0 ? ss : ss.toBuilder().clearSpans().build();
  }
}
