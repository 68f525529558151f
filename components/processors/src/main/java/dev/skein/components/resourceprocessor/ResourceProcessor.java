package dev.skein.components.resourceprocessor;

import dev.skein.components.attraction.AttributeActions;
import dev.skein.model.Traces;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Rewrites each resource's attributes and passes the batch on; nothing else changes. */
final class ResourceProcessor implements TracesProcessor {
  private final AttributeActions actions;
  private final TracesConsumer next;

  ResourceProcessor(AttributeActions actions, TracesConsumer next) {
    this.actions = actions;
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
      List<KeyValue> before = rs.getResource().getAttributesList();
      List<KeyValue> after = actions.apply(before);
      if (after == before) {
        out.add(rs);
      } else {
        changed = true;
        ResourceSpans.Builder b = rs.toBuilder();
        b.getResourceBuilder().clearAttributes().addAllAttributes(after);
        out.add(b.build());
      }
    }
    return changed ? traces.withResourceSpans(out) : traces;
  }
}
