package dev.skein.zipkin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;
import dev.skein.wire.WireFormatException;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads Zipkin's v2 JSON ({@code ListOfSpans}: an array of span objects) with Jackson's streaming
 * parser. Unknown keys are skipped with their value, {@code null} is the same as an absent key,
 * and a {@code null} array element is skipped, as Zipkin's and the Collector's readers do. Every
 * error names the JSON path of the offending value, e.g. {@code [3].traceId}.
 */
final class JsonSpanReader {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final String TRACE_ID_EXPECTED = "16 or 32 hexadecimal characters";
  private static final String SPAN_ID_EXPECTED = "16 hexadecimal characters";
  private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; ");

  private final JsonParser p;
  /** The span being read, so that a syntax error can say where it is. */
  private String spanPath = "";

  private JsonSpanReader(JsonParser p) {
    this.p = p;
  }

  /** Reads every span of {@code json}; a top-level {@code null} is an empty list. */
  static List<ZipkinSpan> read(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return new JsonSpanReader(p).readList();
    } catch (CharConversionException e) {
      // Jackson tells UTF-8, UTF-16 and UTF-32 apart by the first bytes, and fails this way on a
      // byte order it cannot read or on bytes invalid in the encoding it detected.
      throw new WireFormatException("", "malformed JSON: " + e.getMessage() + " (expected: UTF-8 text)", e);
    } catch (IOException e) {
      // Only parsing can fail, and a byte array has no I/O; close() of such a parser does not throw.
      throw new UncheckedIOException(e);
    }
  }

  private List<ZipkinSpan> readList() throws IOException {
    List<ZipkinSpan> spans = new ArrayList<>();
    try {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new WireFormatException("", "empty body (expected: a JSON array of spans)");
      }
      if (t == JsonToken.START_ARRAY) {
        for (int i = 0; (t = p.nextToken()) != JsonToken.END_ARRAY; i++) {
          spanPath = "[" + i + "]";
          if (t == null) {
            throw new WireFormatException(spanPath, "the body ends inside the array (expected: ']')");
          }
          if (t != JsonToken.VALUE_NULL) {
            spans.add(readSpan(spanPath));
          }
          // Between spans, a syntax error belongs to the array, not to the span before it.
          spanPath = "";
        }
      } else if (t != JsonToken.VALUE_NULL) {
        throw new WireFormatException("", describe() + " (expected: a JSON array of spans)");
      }
      if (p.nextToken() != null) {
        throw new WireFormatException("", "unexpected data after the array of spans (expected: one JSON array)");
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      // Jackson names its input source, which here is always the request body.
      String problem = SOURCE.matcher(e.getOriginalMessage()).replaceAll("[");
      throw new WireFormatException(spanPath, "malformed JSON: " + problem
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
    }
    return spans;
  }

  private ZipkinSpan readSpan(String path) throws IOException {
    expect(JsonToken.START_OBJECT, path, "a span object");
    ByteString traceId = null;
    ByteString spanId = null;
    ByteString parentId = null;
    String name = "";
    String kind = null;
    long timestamp = 0;
    long duration = 0;
    ZipkinSpan.Endpoint local = null;
    ZipkinSpan.Endpoint remote = null;
    List<ZipkinSpan.Annotation> annotations = List.of();
    Map<String, String> tags = Map.of();
    boolean debug = false;
    boolean shared = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      String at = path + "." + field;
      switch (field) {
        case "traceId":
          traceId = id(at, ZipkinIds.TRACE_ID_BYTES, TRACE_ID_EXPECTED);
          break;
        case "id":
          spanId = id(at, ZipkinIds.SPAN_ID_BYTES, SPAN_ID_EXPECTED);
          break;
        case "parentId":
          parentId = parentId(at);
          break;
        case "name":
          name = orEmpty(string(at));
          break;
        case "kind":
          kind = string(at);
          if (kind != null && kind.isEmpty()) {
            kind = null;
          }
          break;
        case "timestamp":
          timestamp = micros(at, "an integer of epoch microseconds");
          break;
        case "duration":
          duration = micros(at, "an integer of microseconds");
          break;
        case "debug":
          debug = bool(at);
          break;
        case "shared":
          shared = bool(at);
          break;
        case "localEndpoint":
          local = endpoint(at);
          break;
        case "remoteEndpoint":
          remote = endpoint(at);
          break;
        case "annotations":
          annotations = annotations(at);
          break;
        case "tags":
          tags = tags(at);
          break;
        default:
          p.skipChildren();
      }
    }
    if (traceId == null) {
      throw new WireFormatException(path + ".traceId", "missing (expected: " + TRACE_ID_EXPECTED + ")");
    }
    if (spanId == null) {
      throw new WireFormatException(path + ".id", "missing (expected: " + SPAN_ID_EXPECTED + ")");
    }
    return new ZipkinSpan(path, traceId, spanId, parentId, name, kind, timestamp, duration, local, remote,
        annotations, tags, debug, shared);
  }

  /** A required ID: null counts as missing, zero is refused. */
  @Nullable
  private ByteString id(String at, int bytes, String expected) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    ByteString id = p.currentToken() == JsonToken.VALUE_STRING ? ZipkinIds.fromHex(p.getText(), bytes) : null;
    if (id == null) {
      throw new WireFormatException(at, describe() + " (expected: " + expected + ")");
    }
    if (ZipkinIds.isZero(id)) {
      throw new WireFormatException(at, describe() + " (expected: not all zeros)");
    }
    return id;
  }

  /** Absent, empty and all-zero parent IDs all mean a root span, as Zipkin reads them. */
  @Nullable
  private ByteString parentId(String at) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL || (t == JsonToken.VALUE_STRING && p.getTextLength() == 0)) {
      return null;
    }
    ByteString id = t == JsonToken.VALUE_STRING ? ZipkinIds.fromHex(p.getText(), ZipkinIds.SPAN_ID_BYTES) : null;
    if (id == null) {
      throw new WireFormatException(at, describe() + " (expected: " + SPAN_ID_EXPECTED + ")");
    }
    return ZipkinIds.isZero(id) ? null : id;
  }

  @Nullable
  private String string(String at) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw new WireFormatException(at, describe() + " (expected: a string)");
    }
    return p.getText();
  }

  private long micros(String at, String expected) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return 0;
    }
    // Nanoseconds must fit in a signed 64-bit integer, which covers dates until the year 2262.
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
        || p.getLongValue() < 0 || p.getLongValue() > Long.MAX_VALUE / 1000) {
      throw new WireFormatException(at, describe() + " (expected: " + expected + ", at least 0)");
    }
    return p.getLongValue();
  }

  private boolean bool(String at) throws IOException {
    switch (p.currentToken()) {
      case VALUE_TRUE:
        return true;
      case VALUE_FALSE:
      case VALUE_NULL:
        return false;
      default:
        throw new WireFormatException(at, describe() + " (expected: true or false)");
    }
  }

  @Nullable
  private ZipkinSpan.Endpoint endpoint(String path) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(JsonToken.START_OBJECT, path, "an endpoint object");
    String serviceName = "";
    String ipv4 = null;
    String ipv6 = null;
    int port = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      String at = path + "." + field;
      switch (field) {
        case "serviceName":
          serviceName = orEmpty(string(at));
          break;
        case "ipv4":
          ipv4 = ip(at, "an IPv4 address such as 192.168.99.100");
          break;
        case "ipv6":
          ipv6 = ip(at, "an IPv6 address such as 2001:db8::c001");
          break;
        case "port":
          port = port(at);
          break;
        default:
          p.skipChildren();
      }
    }
    return new ZipkinSpan.Endpoint(serviceName, ipv4, ipv6, port);
  }

  /** Either field may hold either family, as Go's {@code net.ParseIP} (the Collector's parser) allows. */
  @Nullable
  private String ip(String at, String expected) throws IOException {
    String text = string(at);
    if (text == null || text.isEmpty()) {
      return null;
    }
    byte[] ip = IpAddresses.parse(text);
    if (ip == null) {
      throw new WireFormatException(at, describe() + " (expected: " + expected + ")");
    }
    return IpAddresses.format(ip);
  }

  private int port(String at) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return 0;
    }
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
      throw new WireFormatException(at, describe() + " (expected: a port number)");
    }
    return p.getIntValue();
  }

  private List<ZipkinSpan.Annotation> annotations(String path) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    expect(JsonToken.START_ARRAY, path, "an array of annotations");
    List<ZipkinSpan.Annotation> out = new ArrayList<>();
    JsonToken t;
    for (int i = 0; (t = p.nextToken()) != JsonToken.END_ARRAY; i++) {
      if (t == JsonToken.VALUE_NULL) {
        continue;
      }
      String element = path + "[" + i + "]";
      expect(JsonToken.START_OBJECT, element, "an annotation object");
      long timestamp = 0;
      String value = "";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("timestamp")) {
          timestamp = micros(element + ".timestamp", "an integer of epoch microseconds");
        } else if (field.equals("value")) {
          value = orEmpty(string(element + ".value"));
        } else {
          p.skipChildren();
        }
      }
      out.add(new ZipkinSpan.Annotation(timestamp, value));
    }
    return out;
  }

  /**
   * Tag values are strings in Zipkin's model. Numbers and booleans, which some clients send, are
   * kept as their JSON text; {@code null} values are dropped.
   */
  private Map<String, String> tags(String path) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    expect(JsonToken.START_OBJECT, path, "an object of string values");
    Map<String, String> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL) {
        continue;
      }
      if (!t.isScalarValue()) {
        throw new WireFormatException(path + "[" + quote(key) + "]", describe() + " (expected: a string)");
      }
      out.put(key, p.getText());
    }
    return out;
  }

  private void expect(JsonToken token, String at, String what) throws IOException {
    if (p.currentToken() != token) {
      throw new WireFormatException(at, describe() + " (expected: " + what + ")");
    }
  }

  /** The current value as a message shows it; long strings are shortened. */
  private String describe() throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      return "an object";
    }
    if (t == JsonToken.START_ARRAY) {
      return "an array";
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      return quote(s.length() > 100 ? s.substring(0, 100) + "..." : s);
    }
    return p.getText();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }
}
