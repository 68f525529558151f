package dev.skein.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Traces;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decoding one export request of {@link SpanMix#SPANS_PER_EXPORT} spans of the span mix.
 * {@code plainParse} is protobuf-java alone, the ceiling for any Java OTLP receiver;
 * {@code skeinDecodeProtobuf} adds what Skein's receivers do before validation (wrapping the
 * resource spans in {@link Traces}); {@code skeinDecodeJson} is the OTLP/JSON path through
 * Skein's own {@link OtlpJson} codec. The receiver's span validation is package-private in
 * components/core and not included.
 *
 * <p>Public because JMH's generated code subclasses it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBenchmarks {
  byte[] protobuf;
  byte[] json;

  @Setup
  public void setUp() {
    ExportTraceServiceRequest request = new SpanMix(7, System.currentTimeMillis() * 1_000_000L)
        .export(SpanMix.SPANS_PER_EXPORT, 0).request();
    protobuf = request.toByteArray();
    json = OtlpJson.encode(request);
  }

  @Benchmark
  public ExportTraceServiceRequest plainParse() throws InvalidProtocolBufferException {
    return ExportTraceServiceRequest.parseFrom(protobuf);
  }

  @Benchmark
  public Traces skeinDecodeProtobuf() throws InvalidProtocolBufferException {
    return Traces.of(ExportTraceServiceRequest.parseFrom(protobuf).getResourceSpansList());
  }

  @Benchmark
  public Traces skeinDecodeJson() {
    return Traces.of(OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance()).getResourceSpansList());
  }
}
