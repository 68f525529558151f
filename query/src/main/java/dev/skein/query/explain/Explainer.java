package dev.skein.query.explain;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.query.explain.Explanation.ErrorOrigin;
import dev.skein.query.explain.Explanation.ExplainedSpan;
import dev.skein.query.explain.Explanation.RecordedException;
import dev.skein.query.explain.Explanation.Section;
import dev.skein.query.explain.SpanTree.Node;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.OperationKey;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Explains one trace: self times, the critical path (as the web UI draws it), each operation
 * against its baseline, the error origin, and the likely causes ranked by score. Pure computation
 * over the trace's spans and the baselines handed in; it reads no storage.
 *
 * <p>Use: {@link #of(Traces)}, read the baselines of {@link #operations()} from storage, then
 * {@link #explain(Map, List)}.
 */
public final class Explainer {
  private final SpanTree tree;
  private final String traceId;

  private Explainer(Traces trace, String traceId) {
    this.tree = SpanTree.of(trace);
    this.traceId = traceId;
  }

  /** Prepares the explanation of {@code trace}, the spans of one trace. */
  public static Explainer of(Traces trace) {
    requireNonNull(trace, "trace");
    String[] id = {""};
    trace.forEachSpan((rs, ss, span) -> {
      if (id[0].isEmpty()) {
        id[0] = Hex.encode(span.getTraceId());
      }
    });
    return new Explainer(trace, id[0]);
  }

  /** The (service, operation) pairs of the trace, in waterfall order, each once. */
  public Set<OperationKey> operations() {
    Set<OperationKey> out = new LinkedHashSet<>();
    for (Node n : tree.order) {
      out.add(new OperationKey(n.service, n.operation()));
    }
    return out;
  }

  /** The trace's first span start, epoch nanoseconds. */
  public long startNanos() {
    return tree.startNanos;
  }

  /** The trace's last span end, epoch nanoseconds. */
  public long endNanos() {
    return tree.endNanos;
  }

  /**
   * Explains the trace against {@code baselines} (operations without one are compared with
   * nothing); {@code warnings} are passed through into the explanation.
   */
  public Explanation explain(Map<OperationKey, Baseline> baselines, List<String> warnings) {
    requireNonNull(baselines, "baselines");
    List<Node> waterfall = new ArrayList<>(tree.order);
    waterfall.sort(Comparator.<Node>comparingLong(n -> n.start).thenComparingInt(n -> n.depth)
        .thenComparingInt(n -> n.rank));
    List<ExplainedSpan> spans = new ArrayList<>();
    List<Section> path = new ArrayList<>();
    List<Node> errors = new ArrayList<>();
    for (Node n : waterfall) {
      Baseline b = baselines.get(new OperationKey(n.service, n.operation()));
      spans.add(new ExplainedSpan(n.spanId, n.parentId.isEmpty() ? null : n.parentId,
          n.service, n.operation(), n.start - tree.startNanos, n.duration(), n.self, n.criticalNanos(),
          n.critical != null, n.error, b));
      if (n.critical != null) {
        for (long[] s : n.critical) {
          if (s[1] > s[0]) {
            path.add(new Section(n.spanId, n.service, n.operation(), s[0] - tree.startNanos, s[1] - tree.startNanos));
          }
        }
      }
      if (n.error) {
        errors.add(n);
      }
    }
    path.sort(Comparator.comparingLong(Section::startOffsetNanos).thenComparingLong(Section::endOffsetNanos));
    Node origin = null;
    for (Node n : errors) {
      if (origin == null || n.depth > origin.depth || (n.depth == origin.depth && n.start < origin.start)) {
        origin = n;
      }
    }
    ErrorOrigin errorOrigin = origin == null ? null : new ErrorOrigin(origin.spanId, origin.service,
        origin.operation(), origin.span.getStatus().getMessage(), exception(origin));
    List<String> notes = new ArrayList<>(warnings);
    for (OperationKey k : operations()) {
      Baseline b = baselines.get(k);
      if (b == null) {
        notes.add("no baseline for " + Texts.label(k.service(), k.operation()) + ": no span of it in the baseline window");
      } else if (Causes.usable(b) == null) {
        notes.add("the baseline of " + Texts.label(k.service(), k.operation()) + " has " + b.count()
            + (b.count() == 1 ? " span" : " spans") + " (fewer than "
            + Causes.MIN_BASELINE_SPANS + "); it is shown but not used to judge the span");
      }
    }
    List<Explanation.Cause> causes = new Causes(tree,
        n -> baselines.get(new OperationKey(n.service, n.operation())), errors, origin).rank();
    Node root = tree.root;
    return new Explanation(traceId, tree.startNanos, tree.endNanos - tree.startNanos, tree.nodes.size(),
        root == null ? null : root.service, root == null ? null : root.operation(), spans, path, errors.size(),
        errorOrigin, causes, notes);
  }

  /** The span's last {@code exception} event, or null without one. */
  static @Nullable RecordedException exception(Node n) {
    Span.Event found = null;
    for (Span.Event e : n.span.getEventsList()) {
      if (e.getName().equals("exception")) {
        found = e;
      }
    }
    if (found == null) {
      return null;
    }
    return new RecordedException(attribute(found, "exception.type"), attribute(found, "exception.message"),
        attribute(found, "exception.stacktrace"));
  }

  private static String attribute(Span.Event e, String key) {
    for (KeyValue kv : e.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        switch (v.getValueCase()) {
          case STRING_VALUE: return v.getStringValue();
          case INT_VALUE: return Long.toString(v.getIntValue());
          case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
          case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
          default: return "";
        }
      }
    }
    return "";
  }
}
