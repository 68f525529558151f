/**
 * Jaeger's api_v2 protobuf model (the {@code CollectorService/PostSpans} payload) translated to
 * and from OTLP, as the OpenTelemetry Collector's {@code pkg/translator/jaeger} does. Pure
 * functions, with no I/O; the entry point is {@link dev.skein.jaeger.JaegerTranslator}.
 */
package dev.skein.jaeger;
