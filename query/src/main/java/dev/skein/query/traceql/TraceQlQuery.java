package dev.skein.query.traceql;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.RegexBudget;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceSummary;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed TraceQL query, in two parts: {@link #condition()}, which a storage backend evaluates
 * (pushed down, exactly or as a necessary condition), and {@link #evaluate}, which decides on the
 * spans of one candidate trace. When {@link #exact()} is true the backend's answer is already the
 * final one and evaluation only finds the matched spans. Immutable and thread-safe.
 */
public final class TraceQlQuery {
  private final String text;
  private final Ast.Spanset ast;
  private final @Nullable TraceCondition condition;
  private final boolean exact;
  private final List<Field> selected;
  private final Set<Field> referenced;

  TraceQlQuery(String text, Ast.Spanset ast, List<Field> selected, Set<Field> referenced) {
    this.text = text;
    this.ast = ast;
    this.condition = Compiler.condition(ast);
    this.exact = Compiler.exact(ast);
    this.selected = List.copyOf(selected);
    this.referenced = Set.copyOf(referenced);
  }

  /** The query as written. */
  public String text() {
    return text;
  }

  /**
   * What every matching trace meets, for the backend to search with; null when any trace may
   * match (as {@code {}} does).
   */
  public @Nullable TraceCondition condition() {
    return condition;
  }

  /**
   * Whether {@link #condition()} is the whole query: no structural operator and no pipeline
   * stage other than {@code select()}, so every trace the backend returns matches.
   */
  public boolean exact() {
    return exact;
  }

  /** The fields of {@code select()}, in order. */
  public List<Field> selected() {
    return selected;
  }

  /** Every field the query's conditions compare. */
  public Set<Field> referenced() {
    return referenced;
  }

  /** The condition when the query is one spanset filter {@code { ... }} and nothing else. */
  public Optional<SpanCondition> singleFilter() {
    return ast instanceof Ast.Filter ? Optional.of(((Ast.Filter) ast).condition()) : Optional.empty();
  }

  /**
   * Evaluates the query on one trace.
   *
   * @param trace the spans of the trace
   * @param summary the trace's summary, for trace-level intrinsics
   * @return the matched spans, ordered by start time, or empty when the trace does not match
   * @throws dev.skein.storage.search.RegexBudgetExceededException when regular expressions run
   *     past {@code budget}
   */
  public Optional<List<SpanRef>> evaluate(Traces trace, TraceSummary summary, RegexBudget budget) {
    requireNonNull(trace, "trace");
    requireNonNull(summary, "summary");
    requireNonNull(budget, "budget");
    return new Evaluator(trace, summary, budget).matches(ast);
  }

  @Override
  public String toString() {
    return text;
  }
}
