package dev.skein.bench;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request bodies for the load generator: a few pre-encoded exports of the span mix, each sent
 * many times with fresh trace IDs. Encoding a new export for every request would cost the load
 * generator more CPU than the server spends on it (both share this machine's cores), while
 * resending identical bytes would store nothing new: Skein's store skips spans it already has.
 * So each request is a copy of a template with every trace ID replaced: its first 8 bytes by a
 * number unique to the request, its last 8 by the template's mixed with that number. The high half
 * makes IDs unique; the low half stays random-looking, as Zipkin (which groups traces by their
 * low 64 bits) and any store that shards by ID expect of real trace IDs.
 *
 * <p>A workload made {@link #advancing} also moves every time in a request forward by the request's
 * sequence number times a step, so the requests' spans start in the order they are sent, as
 * live data does; otherwise every request keeps its template's times.
 *
 * <p>Thread-safe: {@link #next()} may be called from every client at once.
 */
final class Workload {
  /** The wire format of the bodies. */
  enum Encoding {
    OTLP_PROTOBUF("application/x-protobuf"),
    ZIPKIN_JSON("application/json");

    final String contentType;

    Encoding(String contentType) {
      this.contentType = contentType;
    }
  }

  /** One body to send, with what is needed to find its traces again. */
  record Request(long sequence, int template, byte[] body, int spans) {}

  /**
   * {@code offsets[i]} is where an ID of trace {@code owners[i]} starts in {@code bytes};
   * {@code times} are where its times are (see {@link #timeOffsets}).
   */
  private record Template(byte[] bytes, int[] offsets, int[] owners, int[] times, List<SpanMix.TraceInfo> traces,
      int spans) {}

  private static final byte[] ZIPKIN_TIMESTAMP = "\"timestamp\":".getBytes(StandardCharsets.US_ASCII);

  private final Encoding encoding;
  private final List<Template> templates;
  private final long base;
  private final long stepNanos;
  private final AtomicLong sequence = new AtomicLong();

  private Workload(Encoding encoding, List<Template> templates, long base, long stepNanos) {
    this.encoding = encoding;
    this.templates = templates;
    this.base = base;
    this.stepNanos = stepNanos;
  }

  /**
   * This workload's templates, sent from the first sequence number again, with request {@code n}'s
   * times moved forward by {@code n * stepNanos}.
   */
  Workload advancing(long stepNanos) {
    return new Workload(encoding, templates, base, stepNanos);
  }

  /**
   * {@code count} templates of {@link SpanMix#SPANS_PER_EXPORT} spans from a mix with
   * {@code seed}, whose traces start within {@code spreadNanos} after {@code startNanos}.
   * {@code base} is added to every request's sequence number to make the 8 replaced bytes, so two
   * workloads with different bases never produce the same trace ID.
   */
  static Workload create(Encoding encoding, long seed, int count, long startNanos, long spreadNanos, long base) {
    SpanMix mix = new SpanMix(seed, startNanos);
    List<Template> templates = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      SpanMix.Export export = mix.export(SpanMix.SPANS_PER_EXPORT, spreadNanos);
      byte[] bytes = encoding == Encoding.OTLP_PROTOBUF
          ? export.request().toByteArray() : ZipkinJson.encode(export.request());
      List<Integer> offsets = new ArrayList<>();
      List<Integer> owners = new ArrayList<>();
      for (int k = 0; k < export.traces().size(); k++) {
        SpanMix.TraceInfo t = export.traces().get(k);
        byte[] needle = encoding == Encoding.OTLP_PROTOBUF
            ? t.traceId().toByteArray() : Hex.encode(t.traceId()).getBytes(StandardCharsets.US_ASCII);
        int found = 0;
        for (int at = indexOf(bytes, needle, 0); at >= 0; at = indexOf(bytes, needle, at + needle.length)) {
          offsets.add(at);
          owners.add(k);
          found++;
        }
        if (found < t.spans()) {
          throw new IllegalStateException("trace " + Hex.encode(t.traceId()) + " appears " + found
              + " times in the encoded export (expected: at least " + t.spans() + ", once per span)");
        }
      }
      templates.add(new Template(bytes, offsets.stream().mapToInt(Integer::intValue).toArray(),
          owners.stream().mapToInt(Integer::intValue).toArray(), timeOffsets(encoding, export.request(), bytes),
          export.traces(), export.spanCount()));
    }
    return new Workload(encoding, List.copyOf(templates), base, 0);
  }

  Encoding encoding() {
    return encoding;
  }

  /** The next request: a template's bytes with this request's trace IDs. */
  Request next() {
    long seq = sequence.getAndIncrement();
    int index = (int) (seq % templates.size());
    Template t = templates.get(index);
    byte[] body = t.bytes().clone();
    byte[][] ids = new byte[t.traces().size()][];
    for (int k = 0; k < ids.length; k++) {
      byte[] id = traceId(t.traces().get(k).traceId(), seq);
      ids[k] = encoding == Encoding.OTLP_PROTOBUF
          ? id : Hex.encode(ByteString.copyFrom(id)).getBytes(StandardCharsets.US_ASCII);
    }
    for (int i = 0; i < t.offsets().length; i++) {
      byte[] id = ids[t.owners()[i]];
      System.arraycopy(id, 0, body, t.offsets()[i], id.length);
    }
    if (stepNanos != 0) {
      shiftTimes(body, t.times(), seq * stepNanos);
    }
    return new Request(seq, index, body, t.spans());
  }

  /** The traces that {@code request} carried, with their IDs as sent. */
  List<SpanMix.TraceInfo> traces(Request request) {
    List<SpanMix.TraceInfo> out = new ArrayList<>();
    for (SpanMix.TraceInfo t : templates.get(request.template()).traces()) {
      out.add(new SpanMix.TraceInfo(ByteString.copyFrom(traceId(t.traceId(), request.sequence())), t.spans()));
    }
    return out;
  }

  /** Spans per request (every template has the same number). */
  int spansPerRequest() {
    return templates.get(0).spans();
  }

  /** The average size of a request body, in bytes. */
  double averageBodyBytes() {
    return templates.stream().mapToInt(t -> t.bytes().length).average().orElse(0);
  }

  /**
   * Where the times of {@code request}'s spans and events are in its encoding: the 8 bytes of each
   * fixed64 time in protobuf, the digits of each {@code "timestamp":} in Zipkin JSON (whose
   * durations are relative and stay as they are).
   */
  private static int[] timeOffsets(Encoding encoding, ExportTraceServiceRequest request, byte[] bytes) {
    Set<Long> values = new LinkedHashSet<>();
    int fields = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          List<Long> times = new ArrayList<>(List.of(span.getStartTimeUnixNano(), span.getEndTimeUnixNano()));
          span.getEventsList().forEach(e -> times.add(e.getTimeUnixNano()));
          if (encoding == Encoding.ZIPKIN_JSON) {
            // Zipkin keeps the start and the events' times, in microseconds.
            times.remove(1);
            times.replaceAll(t -> t / 1000);
          }
          fields += times.size();
          values.addAll(times);
        }
      }
    }
    List<Integer> out = new ArrayList<>();
    for (long v : values) {
      byte[] needle = encoding == Encoding.OTLP_PROTOBUF ? littleEndian(v)
          : ("\"timestamp\":" + v).getBytes(StandardCharsets.US_ASCII);
      int skip = encoding == Encoding.OTLP_PROTOBUF ? 0 : ZIPKIN_TIMESTAMP.length;
      for (int at = indexOf(bytes, needle, 0); at >= 0; at = indexOf(bytes, needle, at + needle.length)) {
        out.add(at + skip);
      }
    }
    if (out.size() != fields) {
      throw new IllegalStateException("found " + out.size() + " times in the encoded export (expected: "
          + fields + ", one per span start, span end and event)");
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Adds {@code nanos} to every time at {@code offsets} in {@code body}. */
  private void shiftTimes(byte[] body, int[] offsets, long nanos) {
    for (int at : offsets) {
      if (encoding == Encoding.OTLP_PROTOBUF) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
          v = (v << 8) | (body[at + i] & 0xff);
        }
        System.arraycopy(littleEndian(v + nanos), 0, body, at, 8);
      } else {
        int end = at;
        while (end < body.length && body[end] >= '0' && body[end] <= '9') {
          end++;
        }
        String old = new String(body, at, end - at, StandardCharsets.US_ASCII);
        byte[] moved = Long.toString(Long.parseLong(old) + nanos / 1000).getBytes(StandardCharsets.US_ASCII);
        if (moved.length != old.length()) {
          throw new IllegalStateException("timestamp " + old + " moved by " + nanos / 1000
              + " µs changes its length; choose a step that keeps times within the same number of digits");
        }
        System.arraycopy(moved, 0, body, at, moved.length);
      }
    }
  }

  private static byte[] littleEndian(long v) {
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (v >>> (8 * i));
    }
    return out;
  }

  /**
   * The ID a template's trace gets in request {@code seq}. Its high 8 bytes are {@code base + seq}
   * put through SplitMix64's finalizer, a bijection, so they stay unique but look as random as the
   * IDs an SDK generates: sequential IDs would give a store's indexes and min/max statistics a
   * locality that real traffic never has.
   */
  private byte[] traceId(ByteString template, long seq) {
    long high = base + seq;
    high = (high ^ (high >>> 30)) * 0xBF58476D1CE4E5B9L;
    high = (high ^ (high >>> 27)) * 0x94D049BB133111EBL;
    high ^= high >>> 31;
    // A fixed odd multiplier spreads consecutive sequence numbers over all 64 bits.
    long low = readLong(template, 8) ^ (seq * 0x9E3779B97F4A7C15L);
    if (low == 0) {
      low = 1;
    }
    byte[] out = new byte[16];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) high;
      out[8 + i] = (byte) low;
      high >>>= 8;
      low >>>= 8;
    }
    return out;
  }

  private static long readLong(ByteString bytes, int from) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (bytes.byteAt(from + i) & 0xff);
    }
    return v;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
