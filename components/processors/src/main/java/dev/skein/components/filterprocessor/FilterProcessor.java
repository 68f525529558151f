package dev.skein.components.filterprocessor;

import dev.skein.components.ottl.Condition;
import dev.skein.components.ottl.OttlEvaluationException;
import dev.skein.components.ottl.Subject;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops every span that matches any span condition, then every event of the remaining spans that
 * matches any span event condition. Scopes and resources left without spans are removed; a batch
 * left empty is acknowledged without being passed on, as the Collector does. Dropped spans are
 * counted as {@code otelcol_processor_dropped_spans{processor="<id>"}}.
 */
final class FilterProcessor implements TracesProcessor {
  private static final Logger log = LoggerFactory.getLogger(FilterProcessor.class);
  static final String DROPPED_SPANS = "otelcol_processor_dropped_spans";

  private final CreateSettings settings;
  private final ErrorMode errorMode;
  private final List<Condition> spanConditions;
  private final List<Condition> eventConditions;
  private final TracesConsumer next;

  FilterProcessor(CreateSettings settings, ErrorMode errorMode, List<Condition> spanConditions,
      List<Condition> eventConditions, TracesConsumer next) {
    this.settings = settings;
    this.errorMode = errorMode;
    this.spanConditions = List.copyOf(spanConditions);
    this.eventConditions = List.copyOf(eventConditions);
    this.next = next;
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    Traces kept;
    try {
      kept = filter(traces);
    } catch (PipelineException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (kept.isEmpty() && !traces.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return next.consume(kept);
  }

  Traces filter(Traces traces) {
    List<ResourceSpans> out = new ArrayList<>(traces.resourceSpans().size());
    boolean changed = false;
    int dropped = 0;
    for (ResourceSpans rs : traces.resourceSpans()) {
      ResourceSpans.Builder rb = rs.toBuilder().clearScopeSpans();
      boolean rsChanged = false;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder sb = ss.toBuilder().clearSpans();
        boolean ssChanged = false;
        for (Span span : ss.getSpansList()) {
          Subject subject = Subject.of(rs.getResource(), ss.getScope(), span);
          if (anyMatches(spanConditions, subject)) {
            dropped++;
            ssChanged = true;
            continue;
          }
          Span kept = eventConditions.isEmpty() ? span : filterEvents(rs, ss, span);
          ssChanged |= kept != span;
          sb.addSpans(kept);
        }
        if (!ssChanged) {
          rb.addScopeSpans(ss);
        } else {
          rsChanged = true;
          if (sb.getSpansCount() > 0) {
            rb.addScopeSpans(sb);
          }
        }
      }
      if (!rsChanged) {
        out.add(rs);
      } else {
        changed = true;
        if (rb.getScopeSpansCount() > 0) {
          out.add(rb.build());
        }
      }
    }
    if (dropped > 0) {
      settings.telemetry().add(DROPPED_SPANS, "processor", settings.id().toString(), dropped);
    }
    return changed ? traces.withResourceSpans(out) : traces;
  }

  private Span filterEvents(ResourceSpans rs, ScopeSpans ss, Span span) {
    List<Span.Event> events = new ArrayList<>(span.getEventsCount());
    for (Span.Event e : span.getEventsList()) {
      if (!anyMatches(eventConditions, new Subject(rs.getResource(), ss.getScope(), span, e))) {
        events.add(e);
      }
    }
    if (events.size() == span.getEventsCount()) {
      return span;
    }
    return span.toBuilder().clearEvents().addAllEvents(events).build();
  }

  private boolean anyMatches(List<Condition> conditions, Subject subject) {
    for (Condition c : conditions) {
      try {
        if (c.matches(subject)) {
          return true;
        }
      } catch (OttlEvaluationException e) {
        switch (errorMode) {
          case PROPAGATE:
            throw PipelineException.permanent("processor \"" + settings.id() + "\": condition "
                + c.source() + " failed: " + e.getMessage(), e);
          case IGNORE:
            log.warn("processor \"{}\": condition {} failed and counts as false: {}", settings.id(),
                c.source(), e.getMessage());
            break;
          default:
            break;
        }
      }
    }
    return false;
  }
}
