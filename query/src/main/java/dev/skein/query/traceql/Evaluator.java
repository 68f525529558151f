package dev.skein.query.traceql;

import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.RegexBudget;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.SpanMatcher;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TraceSummary;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Evaluates a query on the spans of one trace. A spanset is a set of span indexes; each operator
 * works as docs/traceql.md describes. Parents are found by span ID within the trace; a span whose
 * parent is not stored has no parent, and cycles in broken data end the walk.
 */
final class Evaluator {
  private final List<SpanRef> spans = new ArrayList<>();
  private final Map<ByteString, List<Integer>> byId = new HashMap<>();
  private final TraceSummary summary;
  private final RegexBudget budget;

  Evaluator(Traces trace, TraceSummary summary, RegexBudget budget) {
    this.summary = summary;
    this.budget = budget;
    trace.forEachSpan((rs, ss, span) -> {
      byId.computeIfAbsent(span.getSpanId(), k -> new ArrayList<>()).add(spans.size());
      spans.add(new SpanRef(rs.getScopeSpansCount() == 0 ? rs : rs.toBuilder().clearScopeSpans().build(), span));
    });
  }

  Optional<List<SpanRef>> matches(Ast.Spanset s) {
    BitSet set = eval(s);
    if (set.isEmpty()) {
      return Optional.empty();
    }
    List<SpanRef> out = new ArrayList<>(set.cardinality());
    set.stream().forEach(i -> out.add(spans.get(i)));
    out.sort(Comparator.comparingLong(r -> r.span().getStartTimeUnixNano()));
    return Optional.of(out);
  }

  private BitSet eval(Ast.Spanset s) {
    if (s instanceof Ast.Filter) {
      return filter(((Ast.Filter) s).condition(), all());
    }
    if (s instanceof Ast.Binary) {
      Ast.Binary b = (Ast.Binary) s;
      BitSet left = eval(b.left());
      BitSet right = eval(b.right());
      switch (b.op()) {
        case AND: {
          if (left.isEmpty() || right.isEmpty()) {
            return new BitSet();
          }
          left.or(right);
          return left;
        }
        case OR:
          left.or(right);
          return left;
        case CHILD:
          return keep(right, j -> parentsOf(j).stream().anyMatch(left::get));
        case DESCENDANT:
          return keep(right, j -> hasAncestorIn(j, left));
        case PARENT: {
          BitSet parents = new BitSet();
          left.stream().forEach(i -> parentsOf(i).forEach(parents::set));
          right.and(parents);
          return right;
        }
        default:
          return keep(right, j -> {
            ByteString parent = spans.get(j).span().getParentSpanId();
            if (parent.isEmpty()) {
              return false;
            }
            return left.stream().anyMatch(i -> i != j && spans.get(i).span().getParentSpanId().equals(parent));
          });
      }
    }
    Ast.Pipeline p = (Ast.Pipeline) s;
    BitSet set = eval(p.source());
    for (Ast.Stage stage : p.stages()) {
      if (set.isEmpty()) {
        return set;
      }
      if (stage instanceof Ast.FilterStage) {
        set = filter(((Ast.FilterStage) stage).condition(), set);
      } else if (stage instanceof Ast.ScalarFilter && !holds((Ast.ScalarFilter) stage, set)) {
        return new BitSet();
      }
    }
    return set;
  }

  private BitSet all() {
    BitSet b = new BitSet(spans.size());
    b.set(0, spans.size());
    return b;
  }

  private BitSet filter(SpanCondition c, BitSet within) {
    BitSet out = new BitSet();
    within.stream().forEach(i -> {
      SpanRef r = spans.get(i);
      if (SpanMatcher.matches(c, r.resource().getResource(), r.span(), summary, budget)) {
        out.set(i);
      }
    });
    return out;
  }

  private static BitSet keep(BitSet set, IntPredicate p) {
    BitSet out = new BitSet();
    set.stream().filter(p).forEach(out::set);
    return out;
  }

  private List<Integer> parentsOf(int i) {
    ByteString parent = spans.get(i).span().getParentSpanId();
    return parent.isEmpty() ? List.of() : byId.getOrDefault(parent, List.of());
  }

  private boolean hasAncestorIn(int j, BitSet candidates) {
    BitSet seen = new BitSet();
    List<Integer> frontier = new ArrayList<>(parentsOf(j));
    while (!frontier.isEmpty()) {
      int p = frontier.remove(frontier.size() - 1);
      if (seen.get(p)) {
        continue;
      }
      seen.set(p);
      if (candidates.get(p)) {
        return true;
      }
      frontier.addAll(parentsOf(p));
    }
    return false;
  }

  private boolean holds(Ast.ScalarFilter f, BitSet set) {
    double result;
    if (f.aggregate() == Ast.Aggregate.COUNT) {
      result = set.cardinality();
    } else {
      List<Double> values = new ArrayList<>();
      set.stream().forEach(i -> {
        Double v = number(f.field(), spans.get(i));
        if (v != null) {
          values.add(v);
        }
      });
      if (values.isEmpty()) {
        return false;
      }
      switch (f.aggregate()) {
        case MIN: result = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(); break;
        case MAX: result = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(); break;
        case SUM: result = values.stream().mapToDouble(Double::doubleValue).sum(); break;
        default: result = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      }
    }
    return f.op().test(Double.compare(result, f.value()));
  }

  /** The numeric value of {@code field} on a span: a duration in nanoseconds, or a numeric attribute. */
  private @Nullable Double number(Field field, SpanRef r) {
    if (field instanceof Intrinsic) {
      return field == Intrinsic.TRACE_DURATION ? (double) summary.durationNanos()
          : (double) (r.span().getEndTimeUnixNano() - r.span().getStartTimeUnixNano());
    }
    Attribute a = (Attribute) field;
    // The span's own attribute shadows the resource's, as for unscoped attributes in TraceQL.
    if (a.scope() != TagScope.RESOURCE) {
      Double v = number(r.span().getAttributesList(), a.key());
      if (v != null || a.scope() == TagScope.SPAN) {
        return v;
      }
    }
    return number(r.resource().getResource().getAttributesList(), a.key());
  }

  private static @Nullable Double number(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        if (v.hasIntValue()) {
          return (double) v.getIntValue();
        }
        if (v.hasDoubleValue() && !Double.isNaN(v.getDoubleValue())) {
          return v.getDoubleValue();
        }
      }
    }
    return null;
  }
}
