package dev.skein.query.traceql;

import dev.skein.model.Nullable;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceCondition;
import java.util.ArrayList;
import java.util.List;

/**
 * Derives from a query what the storage backend can evaluate: a trace condition that every
 * matching trace meets. Spanset filters, {@code &&} and {@code ||} translate exactly; a structural
 * operator needs both sides to exist; a filter stage needs its spans to exist; aggregates add
 * nothing, and are decided on each candidate trace.
 */
final class Compiler {
  private Compiler() {}

  static @Nullable TraceCondition condition(Ast.Spanset s) {
    if (s instanceof Ast.Filter) {
      SpanCondition c = ((Ast.Filter) s).condition();
      return c.equals(SpanCondition.TRUE) ? null : TraceCondition.hasSpan(c);
    }
    if (s instanceof Ast.Binary) {
      Ast.Binary b = (Ast.Binary) s;
      TraceCondition left = condition(b.left());
      TraceCondition right = condition(b.right());
      if (b.op() == Ast.Op.OR) {
        return left == null || right == null ? null : TraceCondition.anyOf(List.of(left, right));
      }
      return allOf(left, right);
    }
    Ast.Pipeline p = (Ast.Pipeline) s;
    TraceCondition c = condition(p.source());
    for (Ast.Stage stage : p.stages()) {
      if (stage instanceof Ast.FilterStage) {
        SpanCondition f = ((Ast.FilterStage) stage).condition();
        if (!f.equals(SpanCondition.TRUE)) {
          c = allOf(c, TraceCondition.hasSpan(f));
        }
      }
    }
    return c;
  }

  static boolean exact(Ast.Spanset s) {
    if (s instanceof Ast.Filter) {
      return true;
    }
    if (s instanceof Ast.Binary) {
      Ast.Binary b = (Ast.Binary) s;
      return (b.op() == Ast.Op.AND || b.op() == Ast.Op.OR) && exact(b.left()) && exact(b.right());
    }
    Ast.Pipeline p = (Ast.Pipeline) s;
    return exact(p.source()) && p.stages().stream().allMatch(st -> st instanceof Ast.Select);
  }

  private static @Nullable TraceCondition allOf(@Nullable TraceCondition a, @Nullable TraceCondition b) {
    List<TraceCondition> parts = new ArrayList<>(2);
    if (a != null) {
      parts.add(a);
    }
    if (b != null) {
      parts.add(b);
    }
    return parts.isEmpty() ? null : TraceCondition.allOf(parts);
  }
}
