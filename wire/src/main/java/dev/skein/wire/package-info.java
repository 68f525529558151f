/**
 * Wire formats: decoders and encoders between bytes and the OTLP model, with no I/O of their own.
 * Every decoder reports bad input as {@link dev.skein.wire.WireFormatException}.
 */
package dev.skein.wire;
