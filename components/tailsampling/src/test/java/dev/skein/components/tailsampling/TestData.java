package dev.skein.components.tailsampling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Small traces, configurations and a manual clock for the tests. */
final class TestData {
  static final long T0 = 1_700_000_000_000_000_000L;

  private TestData() {}

  static ByteString traceId(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5eed).putLong(n).array());
  }

  /** A span of trace {@code trace} that starts {@code startMs} after T0 and lasts {@code durationMs}. */
  static Span.Builder span(long trace, long startMs, long durationMs) {
    return Span.newBuilder()
        .setTraceId(traceId(trace))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(trace * 1000 + startMs + 1).array()))
        .setName("op")
        .setStartTimeUnixNano(T0 + startMs * 1_000_000)
        .setEndTimeUnixNano(T0 + (startMs + durationMs) * 1_000_000);
  }

  static Span span(long trace) {
    return span(trace, 0, 1).build();
  }

  static Span.Builder withStatus(Span.Builder span, Status.StatusCode code) {
    return span.setStatus(Status.newBuilder().setCode(code));
  }

  static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  static KeyValue dbl(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }

  static KeyValue bool(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }

  static Resource resource(KeyValue... attributes) {
    return Resource.newBuilder().addAttributes(str("service.name", "checkout")).addAllAttributes(List.of(attributes))
        .build();
  }

  static Traces batch(Span... spans) {
    return batch(resource(), spans);
  }

  static Traces batch(Resource resource, Span... spans) {
    return Traces.of(List.of(ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("test"))
            .addAllSpans(List.of(spans)))
        .build()));
  }

  /** The data of one trace made of {@code batches}, all holding spans of trace 1. */
  static TraceData trace(Traces... batches) {
    return TraceData.of(traceId(1), List.of(batches));
  }

  /** Binds {@code yaml} (the settings of one tail_sampling processor) over the defaults. */
  static TailSamplingConfig bind(String yaml) {
    try {
      return ConfigBinder.bind(ConfigSource.parse(yaml, name -> null), new TailSamplingConfig(),
          "processors::tail_sampling");
    } catch (ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** Binds and validates {@code yaml}, failing the test on any error. */
  static TailSamplingConfig valid(String yaml) {
    TailSamplingConfig c = bind(yaml);
    assertThat(c.validate()).as("validation errors").isEmpty();
    return c;
  }

  /** Builds the one policy declared as the flow mapping {@code policyYaml}. */
  static Policy policy(String policyYaml, LongSupplier clock) {
    TailSamplingConfig c = valid("policies: [" + policyYaml + "]");
    return Policies.create(c.policies.get(0), clock);
  }

  static Policy policy(String policyYaml) {
    return policy(policyYaml, new ManualClock());
  }

  /** Counters as {@code metric{label=value}} to count. */
  static Map<String, Long> counters(Telemetry telemetry) {
    Map<String, Long> out = new HashMap<>();
    telemetry.counters().forEach((k, v) -> out.put(k.metric() + "{" + k.label() + "=" + k.value() + "}", v));
    return out;
  }

  /** A clock that moves only when told to. */
  static final class ManualClock implements LongSupplier {
    private long nanos = 42L * 1_000_000_000L;

    @Override
    public synchronized long getAsLong() {
      return nanos;
    }

    synchronized void advance(Duration d) {
      nanos += d.toNanos();
    }
  }
}
