/**
 * The Zipkin v2 wire formats (JSON and proto3) and their translation into OTLP, with no I/O of
 * their own. The entry point is {@link dev.skein.zipkin.ZipkinTranslator}; bad input is reported as
 * {@link dev.skein.wire.WireFormatException}.
 */
package dev.skein.zipkin;
