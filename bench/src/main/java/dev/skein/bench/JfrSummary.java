package dev.skein.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording of the server and says where its Java CPU time went: execution samples
 * attributed to the layer of the innermost frame that belongs to a known layer (so a
 * {@code HashMap.get} called from the span metrics connector counts for the connector), the
 * hottest methods, and garbage collection pauses.
 *
 * <p>JFR samples only threads running Java code: time inside DuckDB's native code, and DuckDB's
 * own native threads, do not appear here. The per-thread CPU from {@code /proc} covers them.
 */
final class JfrSummary {
  /** Package prefixes and the layer they belong to; the first match wins. */
  private static final List<String[]> LAYERS = List.of(
      new String[] {"dev.skein.storage.embedded.", "embedded store (Skein's DuckDB writer and reader)"},
      new String[] {"org.duckdb.", "DuckDB JDBC driver (appender, JNI calls)"},
      new String[] {"dev.skein.components.spanmetrics", "span metrics connector"},
      new String[] {"dev.skein.components.servicegraph", "service graph connector"},
      new String[] {"dev.skein.components.prometheusexporter", "Prometheus exporter"},
      new String[] {"dev.skein.components.zipkin", "Zipkin receiver (JSON decode, translation)"},
      new String[] {"dev.skein.components.otlpreceiver", "OTLP receiver (decode, validate)"},
      new String[] {"dev.skein.components.metrics", "metrics helpers (span metrics, service graph)"},
      new String[] {"dev.skein.components.batchprocessor", "batch processor"},
      new String[] {"dev.skein.components.memorylimiter", "memory limiter"},
      new String[] {"dev.skein.components.storage", "storage exporter"},
      new String[] {"dev.skein.pipeline.", "pipeline (fanout, telemetry)"},
      new String[] {"dev.skein.model.", "span model"},
      new String[] {"dev.skein.", "other Skein code"},
      new String[] {"zipkin2.", "Zipkin span codec (zipkin2 library)"},
      new String[] {"sun.security.provider.", "SHA-256 hashing (JDK)"},
      new String[] {"com.google.protobuf.", "protobuf (parse, serialize, builders)"},
      new String[] {"com.fasterxml.jackson.", "Jackson (JSON)"},
      new String[] {"io.grpc.", "gRPC (grpc-java)"},
      new String[] {"com.linecorp.armeria.", "HTTP server (Armeria)"},
      new String[] {"io.netty.", "network I/O (Netty)"});

  record Cost(String name, long samples, double share) {}

  /**
   * {@code stages}: by the innermost Skein frame (which part of Skein the work was done for);
   * {@code layers}: by the innermost frame of any known layer (which code did it);
   * {@code insideStages}: each stage by the code that did it, as a share of that stage.
   */
  record Summary(long samples, List<Cost> stages, List<Cost> layers, List<Cost> methods, List<Cost> insideTopStage,
      Map<String, List<Cost>> insideStages, int gcPauses, Duration gcPauseTotal) {}

  private JfrSummary() {}

  static Summary read(Path recording, int top) throws IOException {
    Map<String, Long> stages = new LinkedHashMap<>();
    Map<String, Map<String, Long>> byStage = new LinkedHashMap<>();
    Map<String, Long> layers = new LinkedHashMap<>();
    Map<String, Long> methods = new LinkedHashMap<>();
    long samples = 0;
    int pauses = 0;
    Duration pauseTotal = Duration.ZERO;
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.ExecutionSample")) {
          RecordedStackTrace stack = e.getStackTrace();
          if (stack == null || stack.getFrames().isEmpty()) {
            continue;
          }
          samples++;
          List<RecordedFrame> frames = stack.getFrames();
          String layer = layer(frames);
          String stage = stage(frames);
          layers.merge(layer, 1L, Long::sum);
          stages.merge(stage, 1L, Long::sum);
          byStage.computeIfAbsent(stage, k -> new LinkedHashMap<>()).merge(layer, 1L, Long::sum);
          RecordedFrame leaf = frames.get(0);
          methods.merge(leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName(), 1L, Long::sum);
        } else if (type.equals("jdk.GarbageCollection")) {
          pauses++;
          pauseTotal = pauseTotal.plus(e.getDuration("sumOfPauses"));
        }
      }
    }
    List<Cost> topStages = top(stages, samples, top);
    List<Cost> inside = topStages.isEmpty() ? List.of()
        : top(byStage.get(topStages.get(0).name()), topStages.get(0).samples(), top);
    Map<String, List<Cost>> insideStages = new LinkedHashMap<>();
    byStage.forEach((stage, counts) -> insideStages.put(stage, top(counts, stages.get(stage), top)));
    return new Summary(samples, topStages, top(layers, samples, top), top(methods, samples, top), inside,
        insideStages, pauses, pauseTotal);
  }

  static String layer(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      if (f.getMethod() == null) {
        continue;
      }
      String type = f.getMethod().getType().getName();
      for (String[] l : LAYERS) {
        if (type.startsWith(l[0])) {
          return l[1];
        }
      }
    }
    String leaf = frames.get(0).getMethod() == null ? "?" : frames.get(0).getMethod().getType().getName();
    int dot = leaf.lastIndexOf('.');
    return "JDK and other (" + (dot > 0 ? leaf.substring(0, dot) : leaf) + ")";
  }

  static String stage(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("dev.skein.")) {
        return layer(List.of(f));
      }
    }
    return "no Skein frame (network, HTTP/2 and gRPC transport, JVM)";
  }

  private static List<Cost> top(Map<String, Long> counts, long total, int n) {
    return counts.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .limit(n)
        .map(en -> new Cost(en.getKey(), en.getValue(), total == 0 ? 0 : en.getValue() / (double) total))
        .toList();
  }
}
