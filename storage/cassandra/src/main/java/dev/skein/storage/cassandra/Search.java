package dev.skein.storage.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.google.protobuf.ByteString;
import dev.skein.model.Resources;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.AttributeValues;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.RegexBudget;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.SpanMatcher;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.TraceSummaryBuilder;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers searches, dependencies and tag listings: finds candidate traces in an index table,
 * reads them, and evaluates the question on each with {@link SpanMatcher}, exactly as the SPI
 * defines it. An index entry's start time is never before its trace's start, so entries within
 * the query's time range (and up to an hour past its end, for spans that start after their trace)
 * cover every trace that can match.
 */
final class Search {
  /** How far past a trace's start its spans' index entries are looked for. */
  static final long SLACK_NANOS = Schema.BUCKET_NANOS;
  /** Traces read at once. */
  private static final int CHUNK = 32;
  private static final Comparator<TagValue> TAG_VALUE_ORDER =
      Comparator.comparing(TagValue::value).thenComparing(TagValue::type);

  private final CassandraTraceStore store;

  Search(CassandraTraceStore store) {
    this.store = store;
  }

  /** Where candidates come from, and the entries' start time range. */
  enum Kind { TRACE, SERVICE, OPERATION, TAG, DURATION }

  record Source(Kind kind, String service, String operation, String key, String value, long minDuration,
      long maxDuration) {
    static final Source ALL = new Source(Kind.TRACE, "", "", "", "", 0, Long.MAX_VALUE);
  }

  /** A candidate trace and the latest start time among its index entries found. */
  private static final class Candidate {
    final TraceId id;
    long latestEntry = Long.MIN_VALUE;

    Candidate(TraceId id) {
      this.id = id;
    }
  }

  private record Loaded(TraceId id, Traces traces, TraceSummary summary) {}

  SearchResult search(TraceQuery query) {
    RegexBudget budget = RegexBudget.startingNow(query.regexBudget());
    Source source = choose(query.condition());
    long lo = query.startMinNanos();
    long hi = source.kind() == Kind.TRACE ? query.startMaxNanos() : plus(query.startMaxNanos(), SLACK_NANOS);
    List<Candidate> candidates = candidates(source, lo, hi, "search");
    Cursor cursor = query.cursor();
    boolean newest = query.order() == Order.NEWEST;
    if (newest) {
      candidates.sort(Comparator.comparingLong((Candidate c) -> c.latestEntry).reversed());
    }
    Comparator<TraceSummary> order = query.order().comparator();
    List<TraceSummary> matches = new ArrayList<>();
    for (int from = 0; from < candidates.size(); from += CHUNK) {
      for (Loaded l : load(candidates.subList(from, Math.min(candidates.size(), from + CHUNK)))) {
        TraceSummary s = l.summary();
        if (query.inRange(s) && (cursor == null || cursor.precedes(s))
            && (query.condition() == null || SpanMatcher.matches(query.condition(), l.traces(), s, budget))) {
          matches.add(s);
        }
      }
      int next = from + CHUNK;
      if (newest && next < candidates.size() && matches.size() > query.limit()) {
        // Every trace not read yet started no later than its latest index entry, which is at most
        // the next candidate's: once the page and one more are all later than that, they are final.
        matches.sort(order);
        if (matches.get(query.limit()).startNanos() > candidates.get(next).latestEntry) {
          break;
        }
      }
    }
    matches.sort(order);
    if (matches.size() <= query.limit()) {
      return new SearchResult(matches, null);
    }
    List<TraceSummary> page = matches.subList(0, query.limit());
    return new SearchResult(page, Cursor.after(query.order(), page.get(page.size() - 1)));
  }

  List<DependencyLink> dependencies(long startMin, long startMax) {
    // (parent, child) -> {calls, errors}
    Map<List<String>, long[]> calls = new TreeMap<>(Comparator.comparing((List<String> l) -> l.get(0))
        .thenComparing(l -> l.get(1)));
    forEachTrace(startMin, startMax, "dependencies", l -> {
      Map<ByteString, Set<String>> servicesBySpanId = new HashMap<>();
      l.traces().forEachSpan((rs, ss, span) -> servicesBySpanId.computeIfAbsent(span.getSpanId(),
          k -> new HashSet<>()).add(Resources.serviceName(rs.getResource())));
      l.traces().forEachSpan((rs, ss, child) -> {
        long start = child.getStartTimeUnixNano();
        if (start < startMin || start > startMax || child.getParentSpanId().isEmpty()) {
          return;
        }
        String service = Resources.serviceName(rs.getResource());
        for (String parent : servicesBySpanId.getOrDefault(child.getParentSpanId(), Set.of())) {
          if (!parent.equals(service)) {
            long[] n = calls.computeIfAbsent(List.of(parent, service), k -> new long[2]);
            n[0]++;
            if (child.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
              n[1]++;
            }
          }
        }
      });
    });
    List<DependencyLink> out = new ArrayList<>(calls.size());
    calls.forEach((k, n) -> out.add(new DependencyLink(k.get(0), k.get(1), n[0], n[1])));
    return List.copyOf(out);
  }

  List<String> tagNames(TagQuery query) {
    TreeSet<String> names = new TreeSet<>();
    forEachSelectedSpan(query, attributes -> attributes.forEach(kv -> names.add(kv.getKey())));
    return List.copyOf(names).subList(0, Math.min(names.size(), query.limit()));
  }

  List<TagValue> tagValues(TagQuery query, String key) {
    TreeSet<TagValue> values = new TreeSet<>(TAG_VALUE_ORDER);
    forEachSelectedSpan(query, attributes -> {
      for (KeyValue kv : attributes) {
        String type = AttributeValues.typeName(kv.getValue());
        if (type != null && kv.getKey().equals(key)) {
          values.add(new TagValue(type, AttributeValues.text(kv.getValue())));
        }
      }
    });
    return List.copyOf(values).subList(0, Math.min(values.size(), query.limit()));
  }

  private void forEachSelectedSpan(TagQuery query, java.util.function.Consumer<List<KeyValue>> visitor) {
    RegexBudget budget = RegexBudget.startingNow(query.regexBudget());
    forEachTrace(query.startMinNanos(), query.startMaxNanos(), "tags", l -> {
      Set<List<Object>> seen = new HashSet<>();
      for (ResourceSpans rs : l.traces().resourceSpans()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            long start = span.getStartTimeUnixNano();
            if (start < query.startMinNanos() || start > query.startMaxNanos()
                || !seen.add(List.of(rs.getResource(), span))
                || !SpanMatcher.matches(query.where(), rs.getResource(), span, l.summary(), budget)) {
              continue;
            }
            if (query.scope() != TagScope.RESOURCE) {
              visitor.accept(span.getAttributesList());
            }
            if (query.scope() != TagScope.SPAN) {
              visitor.accept(rs.getResource().getAttributesList());
            }
          }
        }
      }
    });
  }

  /** Reads every trace with a span that may have started within [startMin, startMax]. */
  private void forEachTrace(long startMin, long startMax, String what, java.util.function.Consumer<Loaded> each) {
    List<Candidate> candidates = candidates(Source.ALL, minus(startMin, SLACK_NANOS), startMax, what);
    for (int from = 0; from < candidates.size(); from += CHUNK) {
      load(candidates.subList(from, Math.min(candidates.size(), from + CHUNK))).forEach(each);
    }
  }

  /** Picks the index that narrows the candidates most, from the conditions every match must meet. */
  static Source choose(TraceCondition condition) {
    Source best = Source.ALL;
    if (condition == null) {
      return best;
    }
    List<TraceCondition> all = condition instanceof TraceCondition.AllOf
        ? ((TraceCondition.AllOf) condition).conditions() : List.of(condition);
    for (TraceCondition c : all) {
      if (c instanceof TraceCondition.HasSpan) {
        Source s = fromSpan(((TraceCondition.HasSpan) c).condition());
        if (s.kind().ordinal() > best.kind().ordinal()) {
          best = s;
        }
      }
    }
    return best;
  }

  private static Source fromSpan(SpanCondition condition) {
    List<SpanCondition> conjuncts = condition instanceof SpanCondition.All
        ? ((SpanCondition.All) condition).conditions() : List.of(condition);
    String service = null;
    String operation = null;
    String key = null;
    String value = null;
    long min = 0;
    long max = Long.MAX_VALUE;
    boolean duration = false;
    for (SpanCondition c : conjuncts) {
      if (!(c instanceof SpanCondition.Compare)) {
        continue;
      }
      SpanCondition.Compare cmp = (SpanCondition.Compare) c;
      if (cmp.field() == Intrinsic.SERVICE && cmp.op() == Comparison.EQ) {
        service = ((Value.Str) cmp.value()).value();
      } else if (cmp.field() == Intrinsic.NAME && cmp.op() == Comparison.EQ) {
        operation = ((Value.Str) cmp.value()).value();
      } else if (cmp.field() == Intrinsic.DURATION && cmp.op().isOrdering()) {
        long n = ((Value.Nanos) cmp.value()).value();
        duration = true;
        switch (cmp.op()) {
          case GT: min = Math.max(min, n == Long.MAX_VALUE ? n : n + 1); break;
          case GE: min = Math.max(min, n); break;
          case LT: max = Math.min(max, n == Long.MIN_VALUE ? n : n - 1); break;
          default: max = Math.min(max, n);
        }
      } else if (cmp.field() instanceof Attribute && cmp.op() == Comparison.EQ
          && (cmp.value() instanceof Value.Str || cmp.value() instanceof Value.Text)) {
        String v = cmp.value() instanceof Value.Str ? ((Value.Str) cmp.value()).value() : ((Value.Text) cmp.value()).value();
        String k = ((Attribute) cmp.field()).key();
        // Longer keys and values are not indexed, so the index cannot be trusted to list them.
        if (v.length() <= CassandraTraceStore.MAX_INDEXED_TAG && k.length() <= CassandraTraceStore.MAX_INDEXED_TAG) {
          key = k;
          value = v;
        }
      }
    }
    if (service == null) {
      return Source.ALL;
    }
    if (key != null) {
      return new Source(Kind.TAG, service, "", key, value, 0, Long.MAX_VALUE);
    }
    if (duration) {
      return new Source(Kind.DURATION, service, operation == null ? "" : operation, "", "", min, max);
    }
    if (operation != null) {
      return new Source(Kind.OPERATION, service, operation, "", "", 0, Long.MAX_VALUE);
    }
    return new Source(Kind.SERVICE, service, "", "", "", 0, Long.MAX_VALUE);
  }

  /** Reads the index entries of {@code source} that started within [lo, hi], one candidate per trace. */
  private List<Candidate> candidates(Source source, long lo, long hi, String what) {
    if (lo > hi || source.minDuration() > source.maxDuration()) {
      return new ArrayList<>();
    }
    CassandraTraceStore.Statements st = store.statements;
    long first = Schema.bucket(lo);
    long last = Schema.bucket(hi);
    List<Long> buckets = new ArrayList<>();
    CassandraTraceStore.await(CassandraTraceStore.pages(store.session.executeAsync(
        st.selectNames.bind(Schema.LIST_BUCKETS, "")), row -> {
          long b = Long.parseLong(row.getString(0));
          if (b >= first && b <= last) {
            buckets.add(b);
          }
        }), "listing index buckets");
    List<BoundStatement> reads = new ArrayList<>();
    for (long bucket : buckets) {
      switch (source.kind()) {
        case TRACE:
          for (int shard = 0; shard < Schema.TRACE_INDEX_SHARDS; shard++) {
            reads.add(st.selectIndex.bind(Schema.INDEX_TRACE, Integer.toString(shard), bucket, lo, hi));
          }
          break;
        case SERVICE:
          reads.add(st.selectIndex.bind(Schema.INDEX_SERVICE, source.service(), bucket, lo, hi));
          break;
        case OPERATION:
          reads.add(st.selectIndex.bind(Schema.INDEX_OPERATION, Schema.key(source.service(), source.operation()),
              bucket, lo, hi));
          break;
        case TAG:
          reads.add(st.selectIndex.bind(Schema.INDEX_TAG, Schema.key(source.service(), source.key(), source.value()),
              bucket, lo, hi));
          break;
        default:
          reads.add(st.selectDurationIndex.bind(source.service(), source.operation(), bucket,
              source.minDuration(), source.maxDuration()));
      }
    }
    Map<ByteString, Candidate> found = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (BoundStatement s : reads) {
      all.add(CassandraTraceStore.pages(store.session.executeAsync(s), row -> {
        long start = row.getLong(0);
        if (start < lo || start > hi) {
          return;
        }
        ByteString id = CassandraTraceStore.bytes(row.getByteBuffer(1));
        Candidate c = found.computeIfAbsent(id, k -> new Candidate(TraceId.of(k)));
        synchronized (c) {
          c.latestEntry = Math.max(c.latestEntry, start);
        }
        if (found.size() > store.maxTracesPerSearch) {
          throw new TooMany();
        }
      }));
    }
    try {
      CassandraTraceStore.await(CompletableFuture.allOf(all.toArray(new CompletableFuture[0])), "reading the index");
    } catch (TooMany e) {
      throw new IllegalArgumentException(what + " would read more than " + store.maxTracesPerSearch
          + " traces from Cassandra (max_traces_per_search); narrow the time range, or add a service"
          + " (and an operation or attribute) to the query");
    }
    return new ArrayList<>(found.values());
  }

  /** Reads the candidates' traces at once; traces deleted since their index entry are left out. */
  private List<Loaded> load(List<Candidate> candidates) {
    List<CompletableFuture<Traces>> reads = new ArrayList<>(candidates.size());
    for (Candidate c : candidates) {
      reads.add(store.readTrace(c.id));
    }
    List<Loaded> out = new ArrayList<>(candidates.size());
    for (int i = 0; i < reads.size(); i++) {
      Traces t = CassandraTraceStore.await(reads.get(i), "reading trace " + candidates.get(i).id.hex());
      if (!t.isEmpty()) {
        out.add(new Loaded(candidates.get(i).id, t, TraceSummaryBuilder.of(candidates.get(i).id, t)));
      }
    }
    return out;
  }

  private static long plus(long a, long b) {
    long r = a + b;
    return r < a ? Long.MAX_VALUE : r;
  }

  private static long minus(long a, long b) {
    long r = a - b;
    return r > a ? Long.MIN_VALUE : r;
  }

  /** Thrown inside a page callback when the candidates exceed the limit. */
  private static final class TooMany extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooMany() {
      super(null, null, false, false);
    }
  }
}
