package dev.skein.query.traceql;

import dev.skein.model.Nullable;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.SpanCondition;
import java.util.List;

/** The parsed shape of a TraceQL query. Conditions inside braces are already storage conditions. */
final class Ast {
  private Ast() {}

  /** An expression whose value, for one trace, is a set of its spans. */
  sealed interface Spanset permits Filter, Binary, Pipeline {}

  /** {@code { condition }}: the spans that meet the condition. */
  record Filter(SpanCondition condition) implements Spanset {}

  /** Two spansets combined by a spanset or structural operator. */
  record Binary(Op op, Spanset left, Spanset right) implements Spanset {}

  /** A spanset passed through stages; an emptied spanset matches nothing. */
  record Pipeline(Spanset source, List<Stage> stages) implements Spanset {}

  enum Op {
    /** Both non-empty: the spans of both. */
    AND("&&"),
    /** The spans of either. */
    OR("||"),
    /** The right-hand spans whose parent is a left-hand span. */
    CHILD(">"),
    /** The right-hand spans that descend from a left-hand span. */
    DESCENDANT(">>"),
    /** The right-hand spans that are the parent of a left-hand span. */
    PARENT("<"),
    /** The right-hand spans that share their parent with another, left-hand, span. */
    SIBLING("~");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }
  }

  sealed interface Stage permits FilterStage, ScalarFilter, Select {}

  /** {@code | { condition }}: keeps the spans of the spanset that meet the condition. */
  record FilterStage(SpanCondition condition) implements Stage {}

  /** {@code | count() > 2}, {@code | avg(duration) >= 1s}: keeps the spanset when the comparison holds. */
  record ScalarFilter(Aggregate aggregate, @Nullable Field field, Comparison op, double value) implements Stage {}

  /** {@code | select(a, b)}: adds fields to what is shown of each matched span. */
  record Select(List<Field> fields) implements Stage {}

  enum Aggregate {
    COUNT, AVG, MIN, MAX, SUM
  }
}
