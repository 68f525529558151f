package dev.skein.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Traces;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link EmbeddedTraceStore#write} of one batch of the span mix, waiting until it is committed
 * (appended to DuckDB's write-ahead log and fsynced), into a store in a new directory. Batches of
 * 512 spans are one export; 8192 is what Skein's default batch processor hands the storage
 * exporter. Every batch has trace IDs of its own (the store skips spans it already holds), made
 * before the measured call.
 *
 * <p>Public because JMH's generated code subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StorageAppendBenchmark {
  @Param({"512", "8192"})
  public int spans;

  private Path dir;
  private EmbeddedTraceStore store;
  private Workload workload;
  private Traces next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("skein-bench-store");
    store = EmbeddedTraceStore.builder().path(dir).retention(Duration.ofDays(7)).build();
    workload = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 3, 16,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(), 3L << 40);
  }

  @Setup(Level.Invocation)
  public void nextBatch() throws InvalidProtocolBufferException {
    List<ResourceSpans> all = new ArrayList<>();
    for (int n = 0; n < spans; n += workload.spansPerRequest()) {
      all.addAll(ExportTraceServiceRequest.parseFrom(workload.next().body()).getResourceSpansList());
    }
    next = Traces.of(all);
  }

  @Benchmark
  public void write() {
    store.write(next).join();
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
