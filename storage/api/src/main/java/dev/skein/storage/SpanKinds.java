package dev.skein.storage;

import io.opentelemetry.proto.trace.v1.Span;

/** Maps OTLP span kinds to the lower-case names Jaeger's API uses. */
public final class SpanKinds {
  private SpanKinds() {}

  /** Returns Jaeger's name for {@code kind}, or the empty string for UNSPECIFIED. */
  public static String jaegerName(Span.SpanKind kind) {
    switch (kind) {
      case SPAN_KIND_SERVER: return "server";
      case SPAN_KIND_CLIENT: return "client";
      case SPAN_KIND_PRODUCER: return "producer";
      case SPAN_KIND_CONSUMER: return "consumer";
      case SPAN_KIND_INTERNAL: return "internal";
      default: return "";
    }
  }

  /** Returns Jaeger's name for the numeric OTLP kind, or the empty string when unknown. */
  public static String jaegerName(int kind) {
    Span.SpanKind k = Span.SpanKind.forNumber(kind);
    return k == null ? "" : jaegerName(k);
  }
}
