package dev.skein.components.attributesprocessor;

import dev.skein.components.attraction.AttributeActions;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Rewrites the attributes of the selected spans and passes the batch on. Spans, scopes and
 * resources keep their order; unchanged groups are passed on as they came.
 */
final class AttributesProcessor implements TracesProcessor {
  private final AttributeActions actions;
  private final @Nullable SpanMatcher include;
  private final @Nullable SpanMatcher exclude;
  private final TracesConsumer next;

  AttributesProcessor(AttributeActions actions, @Nullable SpanMatcher include, @Nullable SpanMatcher exclude,
      TracesConsumer next) {
    this.actions = actions;
    this.include = include;
    this.exclude = exclude;
    this.next = next;
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    return next.consume(process(traces));
  }

  Traces process(Traces traces) {
    List<ResourceSpans> out = new ArrayList<>(traces.resourceSpans().size());
    boolean changed = false;
    for (ResourceSpans rs : traces.resourceSpans()) {
      ResourceSpans.Builder rb = null;
      for (int s = 0; s < rs.getScopeSpansCount(); s++) {
        ScopeSpans ss = rs.getScopeSpans(s);
        ScopeSpans.Builder sb = null;
        for (int i = 0; i < ss.getSpansCount(); i++) {
          Span span = ss.getSpans(i);
          if (skip(rs, ss, span)) {
            continue;
          }
          List<KeyValue> before = span.getAttributesList();
          List<KeyValue> after = actions.apply(before);
          if (after != before) {
            if (sb == null) {
              sb = ss.toBuilder();
            }
            sb.setSpans(i, span.toBuilder().clearAttributes().addAllAttributes(after));
          }
        }
        if (sb != null) {
          if (rb == null) {
            rb = rs.toBuilder();
          }
          rb.setScopeSpans(s, sb);
        }
      }
      out.add(rb == null ? rs : rb.build());
      changed |= rb != null;
    }
    return changed ? traces.withResourceSpans(out) : traces;
  }

  private boolean skip(ResourceSpans rs, ScopeSpans ss, Span span) {
    if (include != null && !include.matches(rs.getResource(), ss.getScope(), span)) {
      return true;
    }
    return exclude != null && exclude.matches(rs.getResource(), ss.getScope(), span);
  }
}
