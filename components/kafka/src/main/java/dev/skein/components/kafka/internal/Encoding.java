package dev.skein.components.kafka.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * The message encodings of the Collector-contrib kafka components that Skein reads and writes: a
 * message's value is one {@code ExportTraceServiceRequest}, as protobuf bytes ({@code otlp_proto})
 * or as OTLP/JSON ({@code otlp_json}).
 */
public enum Encoding {
  OTLP_PROTO("otlp_proto"),
  OTLP_JSON("otlp_json");

  private final String configName;

  Encoding(String configName) {
    this.configName = configName;
  }

  /** The name in the configuration, e.g. {@code otlp_proto}. */
  public String configName() {
    return configName;
  }

  /** The encoding named {@code name} in the configuration, or null when there is none. */
  public static @Nullable Encoding fromConfig(String name) {
    for (Encoding e : values()) {
      if (e.configName.equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** The problem with {@code name} under {@code key}, or null when it names an encoding. */
  public static @Nullable String problem(String key, String name) {
    return fromConfig(name) != null ? null
        : key + ": \"" + name + "\" (expected: otlp_proto or otlp_json)";
  }

  /** Encodes {@code traces} as one message value. */
  public byte[] encode(Traces traces) {
    requireNonNull(traces, "traces");
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(traces.resourceSpans()).build();
    return this == OTLP_PROTO ? request.toByteArray() : OtlpJson.encode(request);
  }

  /**
   * Decodes one message value.
   *
   * @throws IllegalArgumentException naming the encoding and the problem when {@code value} is not
   *     a request in this encoding
   */
  public Traces decode(byte[] value) {
    requireNonNull(value, "value");
    ExportTraceServiceRequest request;
    try {
      request = this == OTLP_PROTO ? ExportTraceServiceRequest.parseFrom(value)
          : OtlpJson.decode(value, ExportTraceServiceRequest.getDefaultInstance());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("a message of " + value.length + " bytes is not "
          + configName + ": " + e.getMessage(), e);
    }
    return Traces.of(request.getResourceSpansList());
  }
}
