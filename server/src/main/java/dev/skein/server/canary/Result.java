package dev.skein.server.canary;

/** What one check found for one trace. A trace with several problems has one result for each. */
enum Result {
  /** Found, every span present and equal to what was written. */
  OK("ok"),
  /** The server does not know the trace (by ID: 404; search: not among the results). */
  NOT_FOUND("not_found"),
  /** The trace was found, but some spans that were written are not in it. */
  MISSING_SPANS("missing_spans"),
  /** A span differs from what was written, or the trace holds a span that was not written. */
  INCORRECT("incorrect"),
  /** The read itself failed: no connection, or an answer other than 200 and 404. */
  ERROR("error");

  final String label;

  Result(String label) {
    this.label = label;
  }
}
