package dev.skein.server.canary;

/** The ways a canary reads a trace back. */
enum Check {
  /** Jaeger's {@code GET /api/traces/{id}}: every span, field by field, in Jaeger's JSON. */
  JAEGER("jaeger"),
  /** Tempo's {@code GET /api/v2/traces/{id}}: every span, field by field, in OTLP/JSON. */
  TEMPO("tempo"),
  /** Tempo's {@code GET /api/search} with TraceQL: the trace is found, with its root service and name. */
  SEARCH("search");

  final String label;

  Check(String label) {
    this.label = label;
  }
}
