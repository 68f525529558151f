package dev.skein.query;

import com.linecorp.armeria.common.HttpStatus;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.query.traceql.SpanRef;
import dev.skein.query.traceql.TraceQlQuery;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.TraceReader;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.RegexBudget;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs searches for every API: the storage backend answers what it can; a TraceQL query it cannot
 * answer alone is decided here on each candidate trace it returns, page by page in the search's
 * order, so paging stays stable and nothing loads more than a page of traces.
 */
final class Searcher {
  /** Candidate traces read at once when a query is decided trace by trace. */
  private static final int TRACES_PER_READ = 20;

  private final java.util.function.Supplier<? extends TraceReader> readers;
  private final QueryLimits limits;

  /** @param readers gives the reader of the request being served (its tenant's), on its thread */
  Searcher(java.util.function.Supplier<? extends TraceReader> readers, QueryLimits limits) {
    this.readers = readers;
    this.limits = limits;
  }

  /** A matching trace; {@code matched} holds the spans a TraceQL query matched, when asked for. */
  record Hit(TraceSummary summary, @Nullable List<SpanRef> matched) {}

  /** One page: hits in order, where the next page starts, and warnings for the response. */
  record Page(List<Hit> hits, @Nullable Cursor next, List<String> warnings, int inspected) {}

  /**
   * Runs {@code query}, narrowed by {@code traceQl} when given.
   *
   * @param withMatches whether to find the matched spans of each hit (for Tempo's span sets)
   */
  Page search(TraceQuery query, @Nullable TraceQlQuery traceQl, boolean withMatches) throws QueryException {
    require(Capability.SEARCH, "search");
    RegexBudget budget = RegexBudget.startingNow(limits.regexBudget());
    List<String> warnings = new ArrayList<>();
    if (traceQl == null || traceQl.exact()) {
      SearchResult r = reader().search(query);
      List<Hit> hits = new ArrayList<>(r.traces().size());
      Map<TraceId, LimitedTrace> read = Map.of();
      for (int i = 0; i < r.traces().size(); i++) {
        TraceSummary s = r.traces().get(i);
        List<SpanRef> matched = null;
        if (withMatches && traceQl != null) {
          if (i % TRACES_PER_READ == 0) {
            read = readFrom(r.traces(), i);
          }
          matched = evaluate(traceQl, s, read.get(s.traceId()), budget, warnings).orElse(List.of());
        }
        hits.add(new Hit(s, matched));
      }
      return new Page(hits, r.next(), warnings, r.traces().size());
    }
    require(Capability.TRACEQL_STRUCTURAL, "TraceQL structural operators and aggregates");
    List<Hit> hits = new ArrayList<>();
    int batch = Math.max(20, Math.min(200, query.limit() * 4));
    TraceQuery candidates = query.toBuilder().limit(batch).build();
    int inspected = 0;
    while (true) {
      SearchResult r = reader().search(candidates);
      List<TraceSummary> page = r.traces();
      Map<TraceId, LimitedTrace> read = Map.of();
      for (int i = 0; i < page.size(); i++) {
        TraceSummary s = page.get(i);
        if (i % TRACES_PER_READ == 0) {
          read = readFrom(page, i);
        }
        inspected++;
        Optional<List<SpanRef>> matched = evaluate(traceQl, s, read.get(s.traceId()), budget, warnings);
        if (matched.isPresent()) {
          hits.add(new Hit(s, withMatches ? matched.get() : null));
        }
        boolean more = i + 1 < page.size() || r.next() != null;
        if (hits.size() == query.limit()) {
          return new Page(hits, more ? Cursor.after(query.order(), s) : null, warnings, inspected);
        }
        if (inspected >= limits.maxInspectedTraces() && more) {
          warnings.add("inspected " + inspected + " candidate traces (max_inspected_traces) and found "
              + hits.size() + " of the " + query.limit() + " asked for; continue with nextCursor");
          return new Page(hits, Cursor.after(query.order(), s), warnings, inspected);
        }
      }
      if (r.next() == null) {
        return new Page(hits, null, warnings, inspected);
      }
      candidates = candidates.toBuilder().cursor(r.next()).build();
    }
  }

  /**
   * Reads a trace with the span cap, adding a warning when it is cut, and one when it reached the
   * storage backend's cap, beyond which spans were dropped as they arrived.
   */
  Optional<LimitedTrace> trace(TraceId id, List<String> warnings) {
    Optional<LimitedTrace> t = reader().trace(id, limits.maxSpansPerTrace());
    t.ifPresent(lt -> warnings.addAll(warnings(id, lt)));
    return t;
  }

  /**
   * Reads the traces of {@code ids} at once with the span cap, in the order asked for; a trace no
   * longer stored (deleted by retention since a search found it) is left out. {@link #warnings}
   * gives what to say about each.
   */
  Map<TraceId, LimitedTrace> traces(List<TraceId> ids) {
    return reader().traces(ids, limits.maxSpansPerTrace());
  }

  /**
   * The warnings for trace {@code id} read as {@code lt}: when it was cut to the span cap, and when
   * it reached the storage backend's cap, beyond which spans were dropped as they arrived.
   */
  List<String> warnings(TraceId id, LimitedTrace lt) {
    List<String> warnings = new ArrayList<>(0);
    if (lt.totalSpans() >= limits.storageMaxSpansPerTrace()) {
      warnings.add("trace " + id.hex() + " reached the storage backend's cap of " + limits.storageMaxSpansPerTrace()
          + " spans per trace (limits::max_spans_per_trace); spans received after that were not stored");
    }
    if (lt.truncated()) {
      warnings.add(truncated(id, lt));
    }
    return warnings;
  }

  /**
   * The traces of up to {@value #TRACES_PER_READ} summaries from index {@code from}, read at once
   * with the span cap and no warnings. Traces are read a few at a time: enough for one statement,
   * few enough that memory stays small and the ones read past a search's last hit cost little.
   */
  private Map<TraceId, LimitedTrace> readFrom(List<TraceSummary> summaries, int from) {
    return traces(summaries.subList(from, Math.min(summaries.size(), from + TRACES_PER_READ)).stream()
        .map(TraceSummary::traceId).toList());
  }

  static String truncated(TraceId id, LimitedTrace t) {
    return "trace " + id.hex() + " has " + t.totalSpans() + " spans; only the first " + t.spans().spanCount()
        + " by start time are returned (max_spans_per_trace)";
  }

  private static Optional<List<SpanRef>> evaluate(TraceQlQuery q, TraceSummary s, @Nullable LimitedTrace t,
      RegexBudget budget, List<String> warnings) {
    if (t == null) {
      // Deleted by retention since the search: it no longer matches anything.
      return Optional.empty();
    }
    if (t.truncated()) {
      warnings.add("TraceQL was evaluated on the first " + t.spans().spanCount() + " of the "
          + t.totalSpans() + " spans of trace " + s.traceId().hex() + " (max_spans_per_trace)");
    }
    return q.evaluate(t.spans(), s, budget);
  }

  void require(Capability capability, String what) throws QueryException {
    Capabilities c = reader().capabilities();
    if (!c.supports(capability)) {
      throw new QueryException(HttpStatus.NOT_IMPLEMENTED, "the storage backend does not support " + what
          + " (capability " + capability + ")");
    }
  }

  TraceReader reader() {
    return readers.get();
  }

  QueryLimits limits() {
    return limits;
  }
}
