package dev.skein.storage.search;

import dev.skein.model.Nullable;
import java.util.List;

/**
 * One page of search results.
 *
 * @param traces the traces, in the query's order, at most its limit
 * @param next where the next page starts; set exactly when more matching traces follow this page
 *     (at the time of the search), null on the last page
 */
public record SearchResult(List<TraceSummary> traces, @Nullable Cursor next) {
  public SearchResult {
    traces = List.copyOf(traces);
  }
}
