package dev.skein.zipkin;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.skein.model.Nullable;
import dev.skein.wire.WireFormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Zipkin's proto3 {@code zipkin.proto3.ListOfSpans} (the {@code zipkin.proto} beside the
 * sources) field by field with protobuf's {@link CodedInputStream}. Unknown fields are skipped,
 * and a known field number with an unexpected wire type counts as unknown, as generated protobuf
 * code does. Errors name the span and field, e.g. {@code spans[3].trace_id}.
 */
final class Proto3SpanReader {
  private static final int LIST_SPANS = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static final int SPAN_TRACE_ID = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_PARENT_ID = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_ID = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_KIND = tag(4, WireFormat.WIRETYPE_VARINT);
  private static final int SPAN_NAME = tag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_TIMESTAMP = tag(6, WireFormat.WIRETYPE_FIXED64);
  private static final int SPAN_DURATION = tag(7, WireFormat.WIRETYPE_VARINT);
  private static final int SPAN_LOCAL_ENDPOINT = tag(8, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_REMOTE_ENDPOINT = tag(9, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_ANNOTATIONS = tag(10, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_TAGS = tag(11, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SPAN_DEBUG = tag(12, WireFormat.WIRETYPE_VARINT);
  private static final int SPAN_SHARED = tag(13, WireFormat.WIRETYPE_VARINT);

  private static final int ENDPOINT_SERVICE_NAME = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENDPOINT_IPV4 = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENDPOINT_IPV6 = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENDPOINT_PORT = tag(4, WireFormat.WIRETYPE_VARINT);

  private static final int ANNOTATION_TIMESTAMP = tag(1, WireFormat.WIRETYPE_FIXED64);
  private static final int ANNOTATION_VALUE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static final int ENTRY_KEY = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENTRY_VALUE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  /** {@code Span.Kind} by number; 0 is "absent". */
  private static final String[] KINDS = {null, "CLIENT", "SERVER", "PRODUCER", "CONSUMER"};

  private Proto3SpanReader() {}

  static List<ZipkinSpan> read(byte[] bytes) {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    List<ZipkinSpan> spans = new ArrayList<>();
    String path = "";
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == LIST_SPANS) {
          path = "spans[" + spans.size() + "]";
          int limit = in.pushLimit(in.readRawVarint32());
          spans.add(readSpan(in, path));
          in.popLimit(limit);
          path = "";
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      in.checkLastTagWas(0);
    } catch (IOException e) {
      throw new WireFormatException(path, "not a valid zipkin.proto3.ListOfSpans: " + e.getMessage(), e);
    }
    return spans;
  }

  private static ZipkinSpan readSpan(CodedInputStream in, String path) throws IOException {
    ByteString traceId = ByteString.EMPTY;
    ByteString spanId = ByteString.EMPTY;
    ByteString parentId = ByteString.EMPTY;
    int kind = 0;
    String name = "";
    long timestamp = 0;
    long duration = 0;
    ZipkinSpan.Endpoint local = null;
    ZipkinSpan.Endpoint remote = null;
    List<ZipkinSpan.Annotation> annotations = new ArrayList<>();
    Map<String, String> tags = new LinkedHashMap<>();
    boolean debug = false;
    boolean shared = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SPAN_TRACE_ID) {
        traceId = in.readBytes();
      } else if (tag == SPAN_PARENT_ID) {
        parentId = in.readBytes();
      } else if (tag == SPAN_ID) {
        spanId = in.readBytes();
      } else if (tag == SPAN_KIND) {
        kind = in.readEnum();
      } else if (tag == SPAN_NAME) {
        name = in.readStringRequireUtf8();
      } else if (tag == SPAN_TIMESTAMP) {
        timestamp = in.readFixed64();
      } else if (tag == SPAN_DURATION) {
        duration = in.readUInt64();
      } else if (tag == SPAN_LOCAL_ENDPOINT) {
        local = readEndpoint(in, path + ".local_endpoint");
      } else if (tag == SPAN_REMOTE_ENDPOINT) {
        remote = readEndpoint(in, path + ".remote_endpoint");
      } else if (tag == SPAN_ANNOTATIONS) {
        annotations.add(readAnnotation(in, path + ".annotations[" + annotations.size() + "]"));
      } else if (tag == SPAN_TAGS) {
        readTagEntry(in, tags);
      } else if (tag == SPAN_DEBUG) {
        debug = in.readBool();
      } else if (tag == SPAN_SHARED) {
        shared = in.readBool();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    in.checkLastTagWas(0);
    return new ZipkinSpan(path,
        traceId(traceId, path + ".trace_id"),
        spanId(spanId, path + ".id"),
        parentId(parentId, path + ".parent_id"),
        name,
        kind >= 0 && kind < KINDS.length ? KINDS[kind] : Integer.toString(kind),
        micros(timestamp, path + ".timestamp"),
        micros(duration, path + ".duration"),
        local, remote, annotations, tags, debug, shared);
  }

  private static ZipkinSpan.Endpoint readEndpoint(CodedInputStream in, String path) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    String serviceName = "";
    ByteString ipv4 = ByteString.EMPTY;
    ByteString ipv6 = ByteString.EMPTY;
    int port = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ENDPOINT_SERVICE_NAME) {
        serviceName = in.readStringRequireUtf8();
      } else if (tag == ENDPOINT_IPV4) {
        ipv4 = in.readBytes();
      } else if (tag == ENDPOINT_IPV6) {
        ipv6 = in.readBytes();
      } else if (tag == ENDPOINT_PORT) {
        port = in.readInt32();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    in.checkLastTagWas(0);
    in.popLimit(limit);
    return new ZipkinSpan.Endpoint(serviceName, ip(ipv4, path + ".ipv4", 4), ip(ipv6, path + ".ipv6", 16), port);
  }

  private static ZipkinSpan.Annotation readAnnotation(CodedInputStream in, String path) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    long timestamp = 0;
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ANNOTATION_TIMESTAMP) {
        timestamp = in.readFixed64();
      } else if (tag == ANNOTATION_VALUE) {
        value = in.readStringRequireUtf8();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    in.checkLastTagWas(0);
    in.popLimit(limit);
    return new ZipkinSpan.Annotation(micros(timestamp, path + ".timestamp"), value);
  }

  /** One {@code map<string, string>} entry; a missing key or value is the empty string. */
  private static void readTagEntry(CodedInputStream in, Map<String, String> tags) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    String key = "";
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ENTRY_KEY) {
        key = in.readStringRequireUtf8();
      } else if (tag == ENTRY_VALUE) {
        value = in.readStringRequireUtf8();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    in.checkLastTagWas(0);
    in.popLimit(limit);
    tags.put(key, value);
  }

  private static ByteString traceId(ByteString id, String path) {
    if (id.isEmpty()) {
      throw new WireFormatException(path, "missing (expected: 8 or 16 bytes)");
    }
    if (id.size() != 8 && id.size() != ZipkinIds.TRACE_ID_BYTES) {
      throw new WireFormatException(path, id.size() + " bytes (expected: 8 or 16)");
    }
    if (ZipkinIds.isZero(id)) {
      throw new WireFormatException(path, "all zeros (expected: a trace ID with a non-zero byte)");
    }
    return ZipkinIds.padTraceId(id);
  }

  private static ByteString spanId(ByteString id, String path) {
    if (id.isEmpty()) {
      throw new WireFormatException(path, "missing (expected: 8 bytes)");
    }
    if (id.size() != ZipkinIds.SPAN_ID_BYTES) {
      throw new WireFormatException(path, id.size() + " bytes (expected: 8)");
    }
    if (ZipkinIds.isZero(id)) {
      throw new WireFormatException(path, "all zeros (expected: a span ID with a non-zero byte)");
    }
    return id;
  }

  /** Empty and all-zero parent IDs mean a root span, as Zipkin reads them. */
  @Nullable
  private static ByteString parentId(ByteString id, String path) {
    if (id.isEmpty()) {
      return null;
    }
    if (id.size() != ZipkinIds.SPAN_ID_BYTES) {
      throw new WireFormatException(path, id.size() + " bytes (expected: 8, or absent for a root span)");
    }
    return ZipkinIds.isZero(id) ? null : id;
  }

  /** Either field may hold 4 or 16 bytes; the text form follows the bytes, as in Go's {@code net.IP}. */
  @Nullable
  private static String ip(ByteString ip, String path, int expected) {
    if (ip.isEmpty()) {
      return null;
    }
    if (ip.size() != 4 && ip.size() != 16) {
      throw new WireFormatException(path, ip.size() + " bytes (expected: " + expected + ")");
    }
    return IpAddresses.format(ip.toByteArray());
  }

  /** The fields are unsigned; nanoseconds must still fit in a signed 64-bit integer. */
  private static long micros(long value, String path) {
    if (Long.compareUnsigned(value, Long.MAX_VALUE / 1000) > 0) {
      throw new WireFormatException(path, Long.toUnsignedString(value)
          + " (expected: at most " + Long.MAX_VALUE / 1000 + " microseconds, the year 2262)");
    }
    return value;
  }

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }
}
