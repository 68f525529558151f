/** OTLP/JSON: the JSON Protobuf Encoding of the OTLP specification, for any protobuf message. */
package dev.skein.wire.otlp;
