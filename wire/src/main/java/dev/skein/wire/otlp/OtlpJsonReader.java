package dev.skein.wire.otlp;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.skein.wire.WireFormatException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one JSON document into a protobuf builder, following the OTLP/JSON rules. One instance
 * per document; not thread-safe. Recursion is bounded by {@code maxDepth} messages, so hostile
 * nesting ends in a {@link WireFormatException}, never in a {@link StackOverflowError}.
 */
final class OtlpJsonReader {
  /** OTLP encodes these bytes fields as hex in every message of its packages. */
  private static final Set<String> HEX_ID_FIELDS = Set.of("trace_id", "span_id", "parent_span_id");
  private static final String OTLP_PACKAGE_PREFIX = "opentelemetry.proto.";
  private static final String ANY = "google.protobuf.Any";

  /** Numbers in strings, as proto3 JSON allows: exponent notation too, and leading zeros. */
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
  private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;\\]]*; ");
  private static final Pattern FEATURE_HINT = Pattern.compile(": enable `[^`]*` to allow");
  /** Longer decimal strings cannot hold a 64-bit integer; checking first keeps BigDecimal cheap. */
  private static final int MAX_DECIMAL_STRING = 64;
  /** Values quoted in messages are cut here, so that a hostile value cannot bloat a log line. */
  private static final int MAX_QUOTED = 64;

  private final JsonParser p;
  private final int maxDepth;
  private final JsonPath path = new JsonPath();
  private final Map<Descriptor, Map<String, FieldDescriptor>> fieldIndex = new IdentityHashMap<>();
  private int depth;
  private boolean fetchingName;
  private boolean fetchingMapKey;
  private String nameBeforeFetch;

  OtlpJsonReader(JsonParser parser, int maxDepth) {
    this.p = parser;
    this.maxDepth = maxDepth;
  }

  /** Reads the whole document, which must be one object, into {@code builder}. */
  void readDocument(Message.Builder builder) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw error("no content (expected: a JSON object)");
    }
    if (t != JsonToken.START_OBJECT) {
      throw error(describe(t) + " (expected: a JSON object)");
    }
    readObject(builder);
    t = p.nextToken();
    if (t != null) {
      throw error(describe(t) + " after the top-level object (expected: the end of the document)");
    }
  }

  /**
   * The next key of the current object, or null at its end. Jackson reads the value's first token
   * together with the key, so a malformed value fails here, before the key is on the path; the
   * state kept here lets {@link #malformed} add it.
   */
  private String nextName(boolean isMapKey) throws IOException {
    nameBeforeFetch = p.getParsingContext().getCurrentName();
    fetchingMapKey = isMapKey;
    fetchingName = true;
    String name = p.nextFieldName();
    fetchingName = false;
    return name;
  }

  /** Turns a Jackson failure into an error that names where the decoder was. */
  WireFormatException malformed(JsonProcessingException e) {
    String detail = e.getOriginalMessage();
    if (detail == null) {
      detail = e.getClass().getSimpleName();
    }
    int newline = detail.indexOf('\n');
    if (newline >= 0) {
      detail = detail.substring(0, newline);
    }
    // Jackson addresses Java developers; the sender needs neither its source name nor its switches.
    detail = SOURCE.matcher(detail).replaceAll("[");
    detail = FEATURE_HINT.matcher(detail).replaceAll("");
    JsonLocation loc = e.getLocation();
    String where = loc == null || loc.getLineNr() < 0
        ? "" : " (at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    String kind = e instanceof StreamConstraintsException ? "JSON exceeds a parser limit: " : "malformed JSON: ";
    if (fetchingName) {
      String name = p.getParsingContext().getCurrentName();
      // Jackson keeps the previous key until the new one is complete: a different string means
      // the key was read and its value failed. (A repeated key falls back to the object's path.)
      if (name != null && name != nameBeforeFetch) {
        if (fetchingMapKey) {
          path.pushMapKey(name);
        } else {
          path.pushField(name);
        }
      }
    }
    return new WireFormatException(JsonPath.abbreviate(path.toString()), kind + detail + where, e);
  }

  /** Reads an object into {@code b}; the current token is its START_OBJECT, left on its END_OBJECT. */
  private void readObject(Message.Builder b) throws IOException {
    if (++depth > maxDepth) {
      throw error("messages nested deeper than " + maxDepth
          + " levels (expected: at most " + maxDepth + ")");
    }
    Map<String, FieldDescriptor> fields = fields(b.getDescriptorForType());
    String name;
    while ((name = nextName(false)) != null) {
      path.pushField(name);
      JsonToken t = p.nextToken();
      FieldDescriptor fd = fields.get(name);
      if (fd == null) {
        // The specification requires unknown keys, snake_case names included, to be ignored.
        p.skipChildren();
      } else {
        readField(b, fd, t);
      }
      path.pop();
    }
    depth--;
  }

  private void readField(Message.Builder b, FieldDescriptor fd, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return; // null stands for the default value, for every kind of field
    }
    if (fd.isMapField()) {
      readMap(b, fd, t);
    } else if (fd.isRepeated()) {
      if (t != JsonToken.START_ARRAY) {
        throw error(describe(t) + " (expected: an array)");
      }
      path.pushIndex(0);
      for (int i = 0; ; i++) {
        // The index is set before reading, so that a parse error names the element it is in.
        path.setIndex(i);
        JsonToken e = p.nextToken();
        if (e == JsonToken.END_ARRAY) {
          break;
        }
        if (e == null) {
          throw error("unexpected end of input (expected: ']')");
        }
        if (e == JsonToken.VALUE_NULL) {
          throw error("null (expected: " + expectation(fd) + "; arrays cannot hold null)");
        }
        b.addRepeatedField(fd, readValue(b, fd, e));
      }
      path.pop();
    } else if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (t != JsonToken.START_OBJECT) {
        throw error(describe(t) + " (expected: an object)");
      }
      Message.Builder sub = b.newBuilderForField(fd);
      if (b.hasField(fd)) {
        // A repeated key merges, as a message field given twice does in the binary encoding.
        sub.mergeFrom((Message) b.getField(fd));
      }
      readObject(sub);
      b.setField(fd, sub.buildPartial());
    } else {
      b.setField(fd, readScalar(fd, t));
    }
  }

  private Object readValue(Message.Builder parent, FieldDescriptor fd, JsonToken t) throws IOException {
    if (fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return readScalar(fd, t);
    }
    if (t != JsonToken.START_OBJECT) {
      throw error(describe(t) + " (expected: an object)");
    }
    Message.Builder sub = parent.newBuilderForField(fd);
    readObject(sub);
    return sub.buildPartial();
  }

  private void readMap(Message.Builder b, FieldDescriptor fd, JsonToken t) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw error(describe(t) + " (expected: an object)");
    }
    Descriptor entryType = fd.getMessageType();
    FieldDescriptor keyFd = entryType.findFieldByNumber(1);
    FieldDescriptor valueFd = entryType.findFieldByNumber(2);
    String key;
    while ((key = nextName(true)) != null) {
      path.pushMapKey(key);
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_NULL) {
        throw error("null (expected: " + expectation(valueFd) + "; map values cannot be null)");
      }
      Message.Builder entry = b.newBuilderForField(fd);
      entry.setField(keyFd, mapKey(keyFd, key));
      entry.setField(valueFd, readValue(entry, valueFd, v));
      b.addRepeatedField(fd, entry.build());
      path.pop();
    }
  }

  private Object mapKey(FieldDescriptor keyFd, String key) {
    switch (keyFd.getType()) {
      case STRING:
        return key;
      case BOOL:
        if (key.equals("true") || key.equals("false")) {
          return Boolean.valueOf(key);
        }
        throw error("key " + quote(key) + " (expected: true or false)");
      default:
        IntRange range = IntRange.of(keyFd);
        BigInteger v = parseDecimal(key);
        if (v == null || !range.contains(v)) {
          throw error("key " + quote(key) + " (expected: " + range.expectation + ")");
        }
        return range.box(v.longValue());
    }
  }

  private Object readScalar(FieldDescriptor fd, JsonToken t) throws IOException {
    switch (fd.getType()) {
      case INT32:
      case SINT32:
      case SFIXED32:
      case UINT32:
      case FIXED32:
      case INT64:
      case SINT64:
      case SFIXED64:
      case UINT64:
      case FIXED64:
        IntRange range = IntRange.of(fd);
        return range.box(readIntegral(t, range));
      case FLOAT:
        return (float) readFloatingPoint(t, true);
      case DOUBLE:
        return readFloatingPoint(t, false);
      case BOOL:
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          return t == JsonToken.VALUE_TRUE;
        }
        throw error(describe(t) + " (expected: true or false)");
      case STRING:
        if (t != JsonToken.VALUE_STRING) {
          throw error(describe(t) + " (expected: a string)");
        }
        return p.getText();
      case BYTES:
        if (t != JsonToken.VALUE_STRING) {
          throw error(describe(t) + " (expected: " + expectation(fd) + ")");
        }
        return isHexId(fd) ? hex(p.getText()) : base64(p.getText());
      case ENUM:
        return readEnum(fd.getEnumType(), t);
      default:
        throw new AssertionError(fd.getType());
    }
  }

  private long readIntegral(JsonToken t, IntRange range) throws IOException {
    BigInteger v;
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        long fast = p.getLongValue();
        if (range.contains(fast)) {
          return fast;
        }
        throw error(p.getText() + " (expected: " + range.expectation + ")");
      }
      v = p.getBigIntegerValue();
    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      BigDecimal d;
      try {
        d = p.getDecimalValue();
      } catch (NumberFormatException e) {
        // The exponent is beyond an int: far outside every range, whatever its sign.
        d = null;
      }
      v = d == null ? null : integral(d);
    } else if (t == JsonToken.VALUE_STRING) {
      v = parseDecimal(p.getText());
    } else {
      v = null;
    }
    if (v == null || !range.contains(v)) {
      throw error(describe(t) + " (expected: " + range.expectation + ")");
    }
    return v.longValue(); // two's complement, which is how protobuf-java holds unsigned values
  }

  private double readFloatingPoint(JsonToken t, boolean isFloat) throws IOException {
    double v;
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      v = p.getDoubleValue();
    } else if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      switch (s) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          if (s.length() > MAX_DECIMAL_STRING * 4 || !DECIMAL.matcher(s).matches()) {
            throw error(describe(t) + " (expected: " + expectationFloatingPoint() + ")");
          }
          v = Double.parseDouble(s);
      }
    } else {
      throw error(describe(t) + " (expected: " + expectationFloatingPoint() + ")");
    }
    if (Double.isInfinite(v) || (isFloat && Math.abs(v) > Float.MAX_VALUE)) {
      throw error(describe(t) + " (expected: a number within the range of a "
          + (isFloat ? "float" : "double") + ")");
    }
    return v;
  }

  private EnumValueDescriptor readEnum(EnumDescriptor type, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      // OTLP forbids enum names, which plain proto3 JSON would accept.
      throw error(describe(t) + " (expected: an integer; enum names are not supported)");
    }
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw error(describe(t) + " (expected: an integer)");
    }
    int number = (int) readIntegral(t, IntRange.INT32);
    if (type.isClosed()) {
      EnumValueDescriptor v = type.findValueByNumber(number);
      if (v == null) {
        throw error(number + " (expected: a number of enum " + type.getFullName() + ")");
      }
      return v;
    }
    // proto3 enums are open: an unknown number is kept, as the binary decoder keeps it.
    return type.findValueByNumberCreatingIfUnknown(number);
  }

  private ByteString hex(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (hexDigit(s.charAt(i)) < 0) {
        throw error(quote(s) + " is not hexadecimal (OTLP/JSON encodes IDs as hex, not base64)");
      }
    }
    if ((n & 1) != 0) {
      throw error(quote(s) + " is not hexadecimal (expected: an even number of hex digits)");
    }
    // Any length is accepted: the receiver rejects IDs of the wrong size span by span.
    byte[] out = new byte[n / 2];
    for (int i = 0; i < n; i += 2) {
      out[i / 2] = (byte) ((hexDigit(s.charAt(i)) << 4) | hexDigit(s.charAt(i + 1)));
    }
    return ByteString.copyFrom(out);
  }

  /** ASCII only: Character.digit would also take other scripts' digits and full-width letters. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private ByteString base64(String s) {
    try {
      boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
      return ByteString.copyFrom((urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s));
    } catch (IllegalArgumentException e) {
      throw error(quote(s) + " is not base64 (expected: standard or URL-safe base64)");
    }
  }

  private Map<String, FieldDescriptor> fields(Descriptor type) {
    Map<String, FieldDescriptor> index = fieldIndex.get(type);
    if (index == null) {
      index = new HashMap<>();
      for (FieldDescriptor fd : type.getFields()) {
        // Only JSON names: the specification makes the original snake_case names invalid keys.
        index.put(fd.getJsonName(), fd);
      }
      if (type.getFullName().equals(ANY)) {
        index.put("@type", type.findFieldByName("type_url"));
      }
      fieldIndex.put(type, index);
    }
    return index;
  }

  static boolean isHexId(FieldDescriptor fd) {
    return fd.getType() == FieldDescriptor.Type.BYTES
        && HEX_ID_FIELDS.contains(fd.getName())
        && fd.getFile().getPackage().startsWith(OTLP_PACKAGE_PREFIX);
  }

  private static String expectation(FieldDescriptor fd) {
    switch (fd.getJavaType()) {
      case MESSAGE:
        return "an object";
      case STRING:
        return "a string";
      case BOOLEAN:
        return "true or false";
      case BYTE_STRING:
        return isHexId(fd) ? "a hexadecimal string" : "a base64 string";
      case ENUM:
        return "an integer";
      case FLOAT:
      case DOUBLE:
        return expectationFloatingPoint();
      default:
        return IntRange.of(fd).expectation;
    }
  }

  private static String expectationFloatingPoint() {
    return "a number, \"NaN\", \"Infinity\" or \"-Infinity\"";
  }

  private static BigInteger parseDecimal(String s) {
    if (s.length() > MAX_DECIMAL_STRING || !DECIMAL.matcher(s).matches()) {
      return null;
    }
    BigDecimal d;
    try {
      d = new BigDecimal(s);
    } catch (NumberFormatException e) {
      // The exponent is beyond an int: far outside every range, whatever its sign.
      return null;
    }
    return integral(d);
  }

  /**
   * The value as an integer, or null if it has a fraction. A value with more than 25 digits
   * before the point comes back as 10^25, which every range rejects: expanding "1e999999999"
   * exactly would take a billion digits.
   */
  private static BigInteger integral(BigDecimal d) {
    if (d.signum() != 0 && d.precision() - d.scale() > 25) {
      return BigInteger.TEN.pow(25);
    }
    BigDecimal stripped = d.stripTrailingZeros();
    return stripped.scale() > 0 ? null : stripped.toBigInteger();
  }

  private String describe(JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return quote(p.getText());
      default:
        String text = p.getText();
        return text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED) + "..." : text;
    }
  }

  private WireFormatException error(String problem) {
    return new WireFormatException(JsonPath.abbreviate(path.toString()), problem);
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 8);
    quote(sb, s);
    return sb.toString();
  }

  /** Appends {@code s} as a JSON string, cut after {@value #MAX_QUOTED} characters. */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    int n = Math.min(s.length(), MAX_QUOTED);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    if (s.length() > n) {
      sb.append("...");
    }
    sb.append('"');
  }

  /** The integer types of protobuf by the range of values they hold. */
  enum IntRange {
    INT32(Integer.MIN_VALUE, Integer.MAX_VALUE, false),
    UINT32(0, 0xFFFF_FFFFL, false),
    INT64(Long.MIN_VALUE, Long.MAX_VALUE, true),
    UINT64(0, -1, true);

    private final BigInteger min;
    private final BigInteger max;
    private final long minLong;
    private final long maxLong;
    final String expectation;

    IntRange(long min, long max, boolean wide) {
      this.minLong = min;
      this.maxLong = max;
      this.min = BigInteger.valueOf(min);
      this.max = max == -1 ? BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE) : BigInteger.valueOf(max);
      this.expectation = "an integer from " + this.min + " to " + this.max
          + (wide ? ", as a JSON number or a decimal string" : "");
    }

    static IntRange of(FieldDescriptor fd) {
      switch (fd.getType()) {
        case INT32:
        case SINT32:
        case SFIXED32:
          return INT32;
        case UINT32:
        case FIXED32:
          return UINT32;
        case INT64:
        case SINT64:
        case SFIXED64:
          return INT64;
        case UINT64:
        case FIXED64:
          return UINT64;
        default:
          throw new AssertionError(fd.getType());
      }
    }

    boolean contains(long v) {
      return this == UINT64 ? v >= 0 : v >= minLong && v <= maxLong;
    }

    boolean contains(BigInteger v) {
      return v.compareTo(min) >= 0 && v.compareTo(max) <= 0;
    }

    Object box(long v) {
      return this == INT32 || this == UINT32 ? (Object) (int) v : (Object) v;
    }
  }
}
