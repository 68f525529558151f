package dev.skein.components.processortest;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Builders for spans and configurations shared by the processor tests. */
public final class Fixtures {
  private Fixtures() {}

  /** Binds {@code yaml} (the component's settings) over the factory's defaults, as the loader does. */
  public static <C extends ComponentConfig> C bind(ComponentFactory<C> factory, String yaml) throws ConfigException {
    return ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), factory.createDefaultConfig(),
        "processors::" + factory.type());
  }

  /** Every problem the loader would report for {@code yaml}, each with its full path. */
  public static List<String> errors(ComponentFactory<?> factory, String yaml) {
    try {
      ComponentConfig c = bind(factory, yaml);
      List<String> out = new ArrayList<>();
      for (String p : c.validate()) {
        out.add("processors::" + factory.type() + "::" + p);
      }
      return out;
    } catch (ConfigException e) {
      return e.errors();
    }
  }

  /** Binds and validates {@code yaml}, failing the test on any problem. */
  public static <C extends ComponentConfig> C valid(ComponentFactory<C> factory, String yaml) {
    try {
      C c = bind(factory, yaml);
      if (!c.validate().isEmpty()) {
        throw new AssertionError("unexpected problems: " + c.validate());
      }
      return c;
    } catch (ConfigException e) {
      throw new AssertionError("unexpected problems: " + e.errors(), e);
    }
  }

  public static CreateSettings settings(String id, Telemetry telemetry) {
    return new CreateSettings(ComponentId.parse(id), telemetry);
  }

  public static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  public static AnyValue integer(long v) {
    return AnyValue.newBuilder().setIntValue(v).build();
  }

  public static AnyValue dbl(double v) {
    return AnyValue.newBuilder().setDoubleValue(v).build();
  }

  public static AnyValue bool(boolean v) {
    return AnyValue.newBuilder().setBoolValue(v).build();
  }

  public static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  public static KeyValue kv(String key, String value) {
    return kv(key, str(value));
  }

  /** A span with the given name, a fixed trace ID, and string attributes given as key, value pairs. */
  public static Span.Builder span(String name, String... attributes) {
    Span.Builder b = Span.newBuilder().setName(name)
        .setTraceId(ByteString.copyFrom(Hex.decode("0af7651916cd43dd8448eb211c80319c")))
        .setSpanId(ByteString.copyFrom(Hex.decode("b7ad6b7169203331")))
        .setStartTimeUnixNano(1_000_000_000L).setEndTimeUnixNano(1_250_000_000L);
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      b.addAttributes(kv(attributes[i], attributes[i + 1]));
    }
    return b;
  }

  public static Resource resource(String service, KeyValue... attributes) {
    Resource.Builder r = Resource.newBuilder().addAttributes(kv("service.name", service));
    for (KeyValue a : attributes) {
      r.addAttributes(a);
    }
    return r.build();
  }

  public static InstrumentationScope scope(String name, String version) {
    return InstrumentationScope.newBuilder().setName(name).setVersion(version).build();
  }

  /** One resource group with one scope group holding {@code spans}. */
  public static ResourceSpans group(Resource resource, InstrumentationScope scope, Span.Builder... spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder().setScope(scope);
    for (Span.Builder s : spans) {
      ss.addSpans(s);
    }
    return ResourceSpans.newBuilder().setResource(resource).addScopeSpans(ss).build();
  }

  public static Traces traces(ResourceSpans... groups) {
    return Traces.of(List.of(groups));
  }

  /** A batch of one service and one scope. */
  public static Traces traces(Span.Builder... spans) {
    return traces(group(resource("checkout"), scope("io.opentelemetry.jdbc", "2.1.0"), spans));
  }

  /** The names of the spans in {@code t}, in order. */
  public static List<String> names(Traces t) {
    List<String> out = new ArrayList<>();
    t.forEachSpan((rs, ss, s) -> out.add(s.getName()));
    return out;
  }

  /** The attributes of a span or resource, by key, later duplicates ignored. */
  public static Map<String, AnyValue> attributes(List<KeyValue> list) {
    Map<String, AnyValue> out = new LinkedHashMap<>();
    for (KeyValue kv : list) {
      out.putIfAbsent(kv.getKey(), kv.getValue());
    }
    return out;
  }

  /** The first span of {@code t}. */
  public static Span first(Traces t) {
    return t.resourceSpans().get(0).getScopeSpans(0).getSpans(0);
  }

  /** A consumer that records every batch it is given. */
  public static final class Sink implements TracesConsumer {
    private final List<Traces> batches = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<Void> consume(Traces traces) {
      batches.add(traces);
      return CompletableFuture.completedFuture(null);
    }

    public List<Traces> batches() {
      return batches;
    }

    /** The only batch received. */
    public Traces only() {
      if (batches.size() != 1) {
        throw new AssertionError("expected one batch, got " + batches.size());
      }
      return batches.get(0);
    }
  }
}
