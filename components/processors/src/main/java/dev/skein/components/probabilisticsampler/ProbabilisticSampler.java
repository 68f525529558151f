package dev.skein.components.probabilisticsampler;

import dev.skein.model.Ids;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Collector's {@code hash_seed} sampling, decision for decision: a span is kept when the low
 * 14 bits of the 32-bit FNV-1a hash of the seed (4 bytes, little-endian) followed by the trace ID
 * are below {@code sampling_percentage × 163.84} (computed in 32-bit floating point and truncated,
 * as the Collector does). A {@code sampling.priority} attribute of 0 drops the span and a positive
 * one keeps it. Spans with an all-zero trace ID, an unparsable {@code tracestate}, or a
 * {@code tracestate} that already carries OpenTelemetry sampling randomness or a threshold are
 * dropped when {@code fail_closed} is true and kept otherwise. A kept span's {@code tracestate}
 * records the randomness and threshold ({@code ot=rv:...;th:...}) as the Collector writes them.
 * Dropped spans are counted as {@code otelcol_processor_dropped_spans{processor="<id>"}}.
 */
final class ProbabilisticSampler implements TracesProcessor {
  private static final Logger log = LoggerFactory.getLogger(ProbabilisticSampler.class);
  static final String DROPPED_SPANS = "otelcol_processor_dropped_spans";

  private static final java.util.regex.Pattern DECIMAL =
      java.util.regex.Pattern.compile("[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");
  private static final int BUCKETS = 0x4000;
  private static final int BUCKET_MASK = BUCKETS - 1;
  private static final long ALWAYS = 0;
  private static final long NEVER = 1L << 56;
  /** The randomness used where there is none, so that only an always-sample threshold keeps the span. */
  private static final long ALL_PROBABILITIES = (1L << 56) - 1;

  private final CreateSettings settings;
  private final int seed;
  private final boolean failClosed;
  /** The rejection threshold in 56 bits; {@link #NEVER} when nothing is kept. */
  private final long threshold;
  private final TracesConsumer next;

  ProbabilisticSampler(CreateSettings settings, float percentage, int seed, boolean failClosed,
      TracesConsumer next) {
    this.settings = settings;
    this.seed = seed;
    this.failClosed = failClosed;
    this.next = next;
    float pct = Math.min(percentage, 100f);
    int scaled = (int) (pct * 163.84f);
    this.threshold = scaled <= 0 ? NEVER : (long) (BUCKETS - scaled) << 42;
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    Traces kept = sample(traces);
    if (kept.isEmpty() && !traces.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return next.consume(kept);
  }

  Traces sample(Traces traces) {
    List<ResourceSpans> out = new ArrayList<>();
    int dropped = 0;
    for (ResourceSpans rs : traces.resourceSpans()) {
      ResourceSpans.Builder rb = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder sb = ss.toBuilder().clearSpans();
        for (Span span : ss.getSpansList()) {
          Span kept = decide(span);
          if (kept == null) {
            dropped++;
          } else {
            sb.addSpans(kept);
          }
        }
        if (sb.getSpansCount() > 0) {
          rb.addScopeSpans(sb);
        }
      }
      if (rb.getScopeSpansCount() > 0) {
        out.add(rb.build());
      }
    }
    if (dropped > 0) {
      settings.telemetry().add(DROPPED_SPANS, "processor", settings.id().toString(), dropped);
    }
    return traces.withResourceSpans(out);
  }

  /** Returns the span to pass on, with its tracestate updated, or null to drop it. */
  @Nullable Span decide(Span span) {
    String problem = null;
    TraceState carrier = null;
    long randomness = ALL_PROBABILITIES;
    boolean hasRandomness = false;
    if (threshold != NEVER && Ids.isValidTraceId(span.getTraceId())) {
      randomness = randomness(hash(seed, span.getTraceId().toByteArray()));
      hasRandomness = true;
    }
    try {
      carrier = TraceState.parse(span.getTraceState());
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    if (threshold == NEVER) {
      // The Collector's never-sampler neither hashes nor records randomness.
      hasRandomness = true;
    } else if (carrier != null) {
      if (carrier.hasRandomness()) {
        problem = "item has sampling randomness, equalizing or proportional mode recommended";
        carrier = null;
      } else if (carrier.hasThreshold()) {
        problem = "item has sampling threshold, equalizing or proportional mode recommended";
        carrier = null;
      } else {
        carrier.setRandomness(randomness);
      }
    }
    if (problem == null && !hasRandomness) {
      problem = "missing randomness";
    }
    long th;
    if (problem != null) {
      log.debug("traces sampler: {}", problem);
      th = failClosed ? NEVER : ALWAYS;
    } else {
      th = threshold;
    }
    switch (priority(span)) {
      case 0: th = NEVER; break;
      case 1: th = ALWAYS; break;
      default: break;
    }
    if (th > randomness) {
      return null;
    }
    if (carrier == null) {
      return span;
    }
    if (!carrier.hasThreshold() || carrier.threshold() <= th) {
      // A threshold may only rise: lowering it would overstate how many spans this one stands for.
      carrier.setThreshold(th);
    }
    String updated = carrier.serialize();
    return updated.equals(span.getTraceState()) ? span : span.toBuilder().setTraceState(updated).build();
  }

  /** FNV-1a, 32 bits, over the seed's 4 little-endian bytes and then {@code data}. */
  static int hash(int seed, byte[] data) {
    int h = 0x811c9dc5;
    for (int i = 0; i < 4; i++) {
      h ^= (seed >>> (8 * i)) & 0xff;
      h *= 0x01000193;
    }
    for (byte b : data) {
      h ^= b & 0xff;
      h *= 0x01000193;
    }
    return h;
  }

  /**
   * The 56-bit randomness the Collector derives from a hash: the complement of the 14 hash bits on
   * top, so that "hash below the rate" reads as "randomness at or above the threshold".
   */
  static long randomness(int hash) {
    long hashed32 = hash & 0xffffffffL;
    long hashed = hashed32 & BUCKET_MASK;
    long rprime14 = BUCKET_MASK - hashed;
    long unused18 = hashed32 >>> 14;
    long mixed28 = unused18 ^ (unused18 << 10);
    return (rprime14 << 42) | (mixed28 << 14) | hashed;
  }

  /** 0 to drop, 1 to keep, -1 to let the hash decide, from the {@code sampling.priority} attribute. */
  private static int priority(Span span) {
    for (KeyValue kv : span.getAttributesList()) {
      if (kv.getKey().equals("sampling.priority")) {
        AnyValue v = kv.getValue();
        double d;
        switch (v.getValueCase()) {
          case INT_VALUE: d = v.getIntValue(); break;
          case DOUBLE_VALUE: d = v.getDoubleValue(); break;
          case STRING_VALUE:
            if (!DECIMAL.matcher(v.getStringValue()).matches()) {
              return -1;
            }
            d = Double.parseDouble(v.getStringValue());
            break;
          default: return -1;
        }
        return d == 0 ? 0 : d > 0 ? 1 : -1;
      }
    }
    return -1;
  }
}
