package dev.skein.server.canary;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The trace a canary writes for one seed. Everything in it follows from the seed and the service
 * name, so the canary keeps only the seed of a trace it wrote and rebuilds the rest when it reads
 * the trace back.
 *
 * <p>The seed is the write time in epoch milliseconds. The trace ID's first eight bytes are the
 * seed (so a trace ID found on a server tells when the canary wrote it), the other eight come from
 * the seed's random sequence. The trace has four to eight spans in a tree across two or three
 * services ({@code S}, {@code S-api}, {@code S-db}); the root is a server span of {@code S} that
 * starts at the seed's millisecond. Every span carries the attributes {@code canary.seed},
 * {@code canary.index} (its position, 0 for the root), {@code canary.word}, {@code canary.ratio}
 * and {@code canary.flag}, and a random status; one span has the event {@code canary.checkpoint}.
 * Times have nanosecond precision, so a store that rounds them is caught.
 */
record CanaryTrace(long seed, String service, ByteString traceId, List<CanarySpan> spans) {
  static final String SCOPE = "skein-canary";
  static final String EVENT = "canary.checkpoint";

  private static final String[] ROOT_NAMES = {"GET /checkout", "POST /orders", "GET /cart/{id}"};
  private static final String[] NAMES = {
      "POST /charge", "GET /inventory/{sku}", "reserve stock", "SELECT orders", "UPDATE stock",
      "INSERT payment", "render page", "validate cart"};
  private static final String[] WORDS = {"amber", "birch", "cobalt", "dune", "ember", "fjord", "granite", "heath"};
  private static final Span.SpanKind[] KINDS = {
      Span.SpanKind.SPAN_KIND_CLIENT, Span.SpanKind.SPAN_KIND_SERVER, Span.SpanKind.SPAN_KIND_INTERNAL};

  /** One span and the service that wrote it. */
  record CanarySpan(String service, Span span) {
    String spanIdHex() {
      return Hex.encode(span.getSpanId());
    }

    /** How the canary names the span in its reports: its position, name and ID. */
    String label() {
      return "#" + index() + " \"" + span.getName() + "\" (" + spanIdHex() + ")";
    }

    long index() {
      for (KeyValue kv : span.getAttributesList()) {
        if (kv.getKey().equals("canary.index")) {
          return kv.getValue().getIntValue();
        }
      }
      return -1;
    }
  }

  /**
   * Builds the trace of {@code seed} (epoch milliseconds, above 0) for {@code service}; the same
   * arguments always give the same trace.
   */
  static CanaryTrace generate(long seed, String service) {
    if (seed <= 0) {
      throw new IllegalArgumentException("seed: " + seed + " (expected: > 0)");
    }
    Random random = new Random(seed * 31 + service.hashCode());
    ByteString traceId = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(seed).putLong(random.nextLong()).array());
    List<String> services = random.nextBoolean()
        ? List.of(service, service + "-api")
        : List.of(service, service + "-api", service + "-db");
    int count = 4 + random.nextInt(5);
    int eventOn = random.nextInt(count);
    List<CanarySpan> spans = new ArrayList<>(count);
    Set<Long> spanIds = new HashSet<>();
    for (int i = 0; i < count; i++) {
      long spanId;
      do {
        spanId = random.nextLong();
      } while (spanId == 0 || !spanIds.add(spanId));
      Span.Builder span = Span.newBuilder()
          .setTraceId(traceId)
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(spanId).array()));
      long start;
      long end;
      String spanService;
      if (i == 0) {
        spanService = service;
        start = seed * 1_000_000L + random.nextInt(1_000_000);
        end = start + 50_000_000L + random.nextInt(450_000_000);
        span.setName(ROOT_NAMES[random.nextInt(ROOT_NAMES.length)]).setKind(Span.SpanKind.SPAN_KIND_SERVER);
      } else {
        Span parent = spans.get(random.nextInt(i)).span();
        // The first children take the other services in turn, so each of them has a span.
        spanService = i < services.size() ? services.get(i) : services.get(random.nextInt(services.size()));
        long room = parent.getEndTimeUnixNano() - parent.getStartTimeUnixNano();
        start = parent.getStartTimeUnixNano() + Math.floorMod(random.nextLong(), Math.max(1, room / 2));
        end = start + 1 + Math.floorMod(random.nextLong(), parent.getEndTimeUnixNano() - start);
        span.setParentSpanId(parent.getSpanId())
            .setName(NAMES[random.nextInt(NAMES.length)])
            .setKind(KINDS[random.nextInt(KINDS.length)]);
      }
      span.setStartTimeUnixNano(start).setEndTimeUnixNano(end)
          .addAttributes(attribute("canary.seed", AnyValue.newBuilder().setIntValue(seed)))
          .addAttributes(attribute("canary.index", AnyValue.newBuilder().setIntValue(i)))
          .addAttributes(attribute("canary.word", AnyValue.newBuilder().setStringValue(WORDS[random.nextInt(WORDS.length)])))
          .addAttributes(attribute("canary.ratio", AnyValue.newBuilder().setDoubleValue(random.nextInt(10_000) / 100.0)))
          .addAttributes(attribute("canary.flag", AnyValue.newBuilder().setBoolValue(random.nextBoolean())));
      int status = random.nextInt(3);
      if (status == 1) {
        span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
      } else if (status == 2) {
        span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage("canary failure " + random.nextInt(1000)));
      }
      if (i == eventOn) {
        span.addEvents(Span.Event.newBuilder().setName(EVENT).setTimeUnixNano(start + (end - start) / 2)
            .addAttributes(attribute("canary.step", AnyValue.newBuilder().setIntValue(random.nextInt(100)))));
      }
      spans.add(new CanarySpan(spanService, span.build()));
    }
    return new CanaryTrace(seed, service, traceId, List.copyOf(spans));
  }

  private static KeyValue attribute(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  String traceIdHex() {
    return Hex.encode(traceId);
  }

  CanarySpan root() {
    return spans.get(0);
  }

  /** The latest end of any span, in epoch nanoseconds. */
  long endNanos() {
    return spans.stream().mapToLong(s -> s.span().getEndTimeUnixNano()).max().orElseThrow();
  }

  /** The trace as one OTLP request: a resource per service, one scope each. */
  ExportTraceServiceRequest request() {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (CanarySpan s : spans) {
      byService.computeIfAbsent(s.service(), name -> ScopeSpans.newBuilder()
          .setScope(InstrumentationScope.newBuilder().setName(SCOPE))).addSpans(s.span());
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    byService.forEach((name, scope) -> request.addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(
            attribute("service.name", AnyValue.newBuilder().setStringValue(name))))
        .addScopeSpans(scope)));
    return request.build();
  }
}
