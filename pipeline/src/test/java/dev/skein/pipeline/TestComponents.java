package dev.skein.pipeline;

import dev.skein.model.Traces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Small real components for graph and configuration tests. */
final class TestComponents {
  static final List<String> EVENTS = new CopyOnWriteArrayList<>();

  static final class SourceConfig implements ComponentConfig {
    String endpoint = "0.0.0.0:1";
    Duration interval = Duration.ofSeconds(1);
    Nested nested = new Nested();
    List<String> tags = new ArrayList<>(List.of("default"));

    static final class Nested {
      int size = 10;
      boolean enabled = true;
    }

    @Override
    public List<String> validate() {
      return nested.size > 0 ? List.of() : List.of("nested::size: " + nested.size + " (expected: > 0)");
    }
  }

  /** A receiver that remembers its consumer so a test can push data through the graph. */
  static final class Source implements Component {
    static volatile TracesConsumer last;
    final TracesConsumer next;

    Source(TracesConsumer next) {
      this.next = next;
      last = next;
    }

    @Override
    public void start(Host host) {
      EVENTS.add("start receiver");
    }

    @Override
    public void shutdown() {
      EVENTS.add("stop receiver");
    }
  }

  static final class SourceFactory implements ReceiverFactory<SourceConfig> {
    @Override
    public String type() {
      return "source";
    }

    @Override
    public SourceConfig createDefaultConfig() {
      return new SourceConfig();
    }

    @Override
    public Component createTracesReceiver(CreateSettings s, SourceConfig c, TracesConsumer next) {
      return new Source(next);
    }
  }

  static final class EmptyConfig implements ComponentConfig {}

  static final class CountingFactory implements ProcessorFactory<EmptyConfig> {
    @Override
    public String type() {
      return "counting";
    }

    @Override
    public EmptyConfig createDefaultConfig() {
      return new EmptyConfig();
    }

    @Override
    public TracesProcessor createTracesProcessor(CreateSettings s, EmptyConfig c, TracesConsumer next) {
      return new TracesProcessor() {
        @Override
        public CompletableFuture<Void> consume(Traces traces) {
          EVENTS.add("processed " + traces.spanCount());
          return next.consume(traces);
        }

        @Override
        public void start(Host host) {
          EVENTS.add("start processor");
        }

        @Override
        public void shutdown() {
          EVENTS.add("stop processor");
        }
      };
    }
  }

  static final class SinkConfig implements ComponentConfig {
    boolean fail;
  }

  static final class SinkFactory implements ExporterFactory<SinkConfig> {
    @Override
    public String type() {
      return "sink";
    }

    @Override
    public SinkConfig createDefaultConfig() {
      return new SinkConfig();
    }

    @Override
    public TracesExporter createTracesExporter(CreateSettings s, SinkConfig c) {
      return new TracesExporter() {
        @Override
        public CompletableFuture<Void> consume(Traces traces) {
          if (c.fail) {
            throw new IllegalStateException(s.id() + " is broken");
          }
          EVENTS.add(s.id() + " got " + traces.spanCount());
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void start(Host host) {
          EVENTS.add("start " + s.id());
        }

        @Override
        public void shutdown() {
          EVENTS.add("stop " + s.id());
        }
      };
    }
  }

  static final class NoteFactory implements ExtensionFactory<EmptyConfig> {
    @Override
    public String type() {
      return "note";
    }

    @Override
    public EmptyConfig createDefaultConfig() {
      return new EmptyConfig();
    }

    @Override
    public Component createExtension(CreateSettings s, EmptyConfig c) {
      return new Component() {
        @Override
        public void start(Host host) {
          EVENTS.add("start extension");
        }

        @Override
        public void shutdown() {
          EVENTS.add("stop extension");
        }
      };
    }
  }

  /** A connector that forwards spans, or turns each batch into one metrics batch with a span count. */
  static final class LinkFactory implements ConnectorFactory<EmptyConfig> {
    @Override
    public String type() {
      return "link";
    }

    @Override
    public EmptyConfig createDefaultConfig() {
      return new EmptyConfig();
    }

    @Override
    public boolean supports(Signal from, Signal to) {
      return from == Signal.TRACES;
    }

    @Override
    public TracesConnector createTracesToTraces(CreateSettings s, EmptyConfig c, TracesConsumer next) {
      return new TracesConnector() {
        @Override
        public CompletableFuture<Void> consume(Traces traces) {
          EVENTS.add("link forwarded " + traces.spanCount());
          return next.consume(traces);
        }

        @Override
        public void start(Host host) {
          EVENTS.add("start link");
        }

        @Override
        public void shutdown() {
          EVENTS.add("stop link");
        }
      };
    }

    @Override
    public TracesConnector createTracesToMetrics(CreateSettings s, EmptyConfig c, MetricsConsumer next) {
      return new TracesConnector() {
        @Override
        public CompletableFuture<Void> consume(Traces traces) {
          io.opentelemetry.proto.metrics.v1.Metric m = io.opentelemetry.proto.metrics.v1.Metric.newBuilder()
              .setName("spans").setSum(io.opentelemetry.proto.metrics.v1.Sum.newBuilder().addDataPoints(
                  io.opentelemetry.proto.metrics.v1.NumberDataPoint.newBuilder().setAsInt(traces.spanCount())))
              .build();
          return next.consume(dev.skein.model.Metrics.of(List.of(io.opentelemetry.proto.metrics.v1.ResourceMetrics
              .newBuilder().addScopeMetrics(io.opentelemetry.proto.metrics.v1.ScopeMetrics.newBuilder().addMetrics(m))
              .build())));
        }
      };
    }
  }

  static final class MetricSinkFactory implements ExporterFactory<EmptyConfig> {
    @Override
    public String type() {
      return "msink";
    }

    @Override
    public EmptyConfig createDefaultConfig() {
      return new EmptyConfig();
    }

    @Override
    public boolean supports(Signal signal) {
      return signal == Signal.METRICS;
    }

    @Override
    public TracesExporter createTracesExporter(CreateSettings s, EmptyConfig c) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MetricsExporter createMetricsExporter(CreateSettings s, EmptyConfig c) {
      return new MetricsExporter() {
        @Override
        public CompletableFuture<Void> consume(dev.skein.model.Metrics metrics) {
          EVENTS.add(s.id() + " got metric " + metrics.resourceMetrics().get(0).getScopeMetrics(0)
              .getMetrics(0).getSum().getDataPoints(0).getAsInt());
          return CompletableFuture.completedFuture(null);
        }
      };
    }
  }

  private TestComponents() {}
}
