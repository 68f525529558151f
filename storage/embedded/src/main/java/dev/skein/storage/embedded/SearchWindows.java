package dev.skein.storage.embedded;

import dev.skein.model.Nullable;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.TraceQuery;

/**
 * The time windows a search for the newest traces runs in, narrowest first. The first is the
 * newest 1/64 of the query's range, counted back from the latest trace stored when that is
 * earlier than the range's end (or from the cursor, when paging). A window that finds no more
 * traces than the limit is widened: by the factor its matches suggest is needed, with half as much
 * again to spare, at least fourfold, and sixteenfold when it found none, until the window is the
 * whole query. Every trace outside a window started before every trace in it, so the first
 * window that finds more than the limit gives the same page as the whole range.
 *
 * <p>Spans are stored in about the order they arrive, which for live data is about the order they
 * start, so DuckDB skips the row groups of spans older than a narrow window. Where data arrives
 * out of order nothing can be skipped, and each window reads as much as the whole range would.
 */
final class SearchWindows {
  private final TraceQuery query;
  private final long anchor;
  // Half the range from the query's start to the anchor: halved so that it cannot overflow.
  private final long half;
  private long width;

  private SearchWindows(TraceQuery query, long anchor, long half, long width) {
    this.query = query;
    this.anchor = anchor;
    this.half = half;
    this.width = width;
  }

  /** The windows of {@code query} on a store whose newest trace started at {@code newestStart}. */
  static SearchWindows of(TraceQuery query, long newestStart) {
    long anchor = Math.min(query.startMaxNanos(), newestStart);
    if (query.cursor() != null) {
      anchor = Math.min(anchor, query.cursor().primaryKey());
    }
    long half = anchor / 2 - query.startMinNanos() / 2;
    if (query.order() != Order.NEWEST || anchor <= query.startMinNanos()) {
      return new SearchWindows(query, anchor, half, Long.MAX_VALUE);
    }
    return new SearchWindows(query, anchor, half, Math.max(1, half / 64));
  }

  /** The first query to run. */
  TraceQuery first() {
    return current();
  }

  /**
   * The next, wider, query after the last one found {@code found} traces, no more than the limit;
   * null when the last one was the whole query.
   */
  @Nullable TraceQuery next(int found) {
    if (width >= half) {
      return null;
    }
    long factor = found == 0 ? 16 : Math.max(4, (3L * (query.limit() + 1) + 2L * found - 1) / (2L * found));
    width = width > half / factor ? half : width * factor;
    return current();
  }

  private TraceQuery current() {
    if (width >= half) {
      return query;
    }
    return query.toBuilder().startMinNanos(Math.max(query.startMinNanos(), anchor - 2 * width)).build();
  }
}
