package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a search tells about one trace, from every stored span of it (a span written twice counts
 * once).
 *
 * @param traceId the trace
 * @param rootService the service of the root span (the earliest-starting span without a parent),
 *     or null while no root span is stored
 * @param rootName the name of the root span, or null while none is stored
 * @param startNanos the earliest start of any span, epoch nanoseconds
 * @param durationNanos the latest end of any span minus {@code startNanos}
 * @param spanCount the number of spans
 * @param errorCount the number of spans whose status is {@code ERROR}
 * @param spansByService the number of spans of each service, sorted by service name
 */
public record TraceSummary(TraceId traceId, @Nullable String rootService, @Nullable String rootName,
    long startNanos, long durationNanos, int spanCount, int errorCount,
    Map<String, Integer> spansByService) {
  public TraceSummary {
    requireNonNull(traceId, "traceId");
    spansByService = Collections.unmodifiableMap(new TreeMap<>(spansByService));
  }
}
