package dev.skein.components.metrics.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Builds spans with known services, names, kinds, statuses and durations for the tests. */
public final class TestSpans {
  public static final long T0 = 1_700_000_000_000_000_000L;
  private final List<ResourceSpans> resources = new ArrayList<>();
  private ResourceSpans.Builder current;
  private ScopeSpans.Builder scope;
  private int nextId = 1;

  public TestSpans service(String name, String... attributes) {
    flush();
    Resource.Builder r = Resource.newBuilder().addAttributes(kv("service.name", name));
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      r.addAttributes(kv(attributes[i], attributes[i + 1]));
    }
    current = ResourceSpans.newBuilder().setResource(r);
    scope = ScopeSpans.newBuilder();
    return this;
  }

  /** Adds a span lasting {@code micros} microseconds with string attributes given as name, value pairs. */
  public TestSpans span(String name, Span.SpanKind kind, Status.StatusCode status, long micros, String... attributes) {
    return add(newSpan(name, kind, status, micros, attributes));
  }

  public TestSpans add(Span span) {
    scope.addSpans(span);
    return this;
  }

  public Span newSpan(String name, Span.SpanKind kind, Status.StatusCode status, long micros, String... attributes) {
    Span.Builder s = Span.newBuilder().setName(name).setKind(kind)
        .setTraceId(traceId(nextId)).setSpanId(spanId(nextId))
        .setStartTimeUnixNano(T0).setEndTimeUnixNano(T0 + micros * 1000)
        .setStatus(Status.newBuilder().setCode(status));
    nextId++;
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      s.addAttributes(kv(attributes[i], attributes[i + 1]));
    }
    return s.build();
  }

  public Traces build() {
    flush();
    return Traces.of(resources);
  }

  private void flush() {
    if (current != null) {
      resources.add(current.addScopeSpans(scope).build());
      current = null;
    }
  }

  public static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static ByteString traceId(int n) {
    byte[] b = new byte[16];
    b[0] = 0x5b;
    b[15] = (byte) n;
    b[14] = (byte) (n >>> 8);
    b[13] = (byte) (n >>> 16);
    return ByteString.copyFrom(b);
  }

  public static ByteString spanId(int n) {
    byte[] b = new byte[8];
    b[0] = 0x1e;
    b[7] = (byte) n;
    b[6] = (byte) (n >>> 8);
    b[5] = (byte) (n >>> 16);
    return ByteString.copyFrom(b);
  }

  /** Lays {@code yaml} over {@code defaults} with the pipeline's binder, as the loader does. */
  public static <T> T bind(String yaml, T defaults) throws ConfigException {
    try {
      return ConfigBinder.bind(new ObjectMapper(new YAMLFactory()).readTree(yaml), defaults, "test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A clock the test moves by hand. */
  public static final class Clock implements java.util.function.LongSupplier {
    private long now = T0;

    @Override
    public long getAsLong() {
      return now;
    }

    public void advanceSeconds(long s) {
      now += s * 1_000_000_000L;
    }
  }
}
