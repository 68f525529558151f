package dev.skein.wire.otlp;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import dev.skein.model.Hex;
import java.io.IOException;
import java.util.Base64;

/** Writes protobuf messages as OTLP/JSON. Stateless. */
final class OtlpJsonWriter {
  private static final String ANY = "google.protobuf.Any";

  private OtlpJsonWriter() {}

  static void writeMessage(JsonGenerator g, MessageOrBuilder m) throws IOException {
    g.writeStartObject();
    Descriptor type = m.getDescriptorForType();
    if (type.getFullName().equals(ANY)) {
      writeAny(g, m, type);
      g.writeEndObject();
      return;
    }
    for (FieldDescriptor fd : type.getFields()) {
      if (fd.isRepeated()) {
        int n = m.getRepeatedFieldCount(fd);
        if (n == 0) {
          continue;
        }
        g.writeFieldName(fd.getJsonName());
        if (fd.isMapField()) {
          writeMap(g, m, fd, n);
        } else {
          g.writeStartArray();
          for (int i = 0; i < n; i++) {
            writeValue(g, fd, m.getRepeatedField(fd, i));
          }
          g.writeEndArray();
        }
      } else if (m.hasField(fd)) {
        // hasField is false for a proto3 scalar that holds its default, which proto3 JSON omits;
        // it is true for fields with presence (oneof members, messages) even at default values.
        g.writeFieldName(fd.getJsonName());
        writeValue(g, fd, m.getField(fd));
      }
    }
    g.writeEndObject();
  }

  /**
   * Writes {@code google.protobuf.Any} as {@code {"@type": url, "value": base64}}. Proto3 JSON
   * would embed the packed message's fields, which needs a registry of every type that may be
   * packed; the base64 form needs none and decodes back to the same bytes.
   */
  private static void writeAny(JsonGenerator g, MessageOrBuilder m, Descriptor type) throws IOException {
    String url = (String) m.getField(type.findFieldByName("type_url"));
    ByteString value = (ByteString) m.getField(type.findFieldByName("value"));
    if (!url.isEmpty()) {
      g.writeStringField("@type", url);
    }
    if (!value.isEmpty()) {
      g.writeStringField("value", Base64.getEncoder().encodeToString(value.toByteArray()));
    }
  }

  private static void writeMap(JsonGenerator g, MessageOrBuilder m, FieldDescriptor fd, int n)
      throws IOException {
    Descriptor entryType = fd.getMessageType();
    FieldDescriptor keyFd = entryType.findFieldByNumber(1);
    FieldDescriptor valueFd = entryType.findFieldByNumber(2);
    g.writeStartObject();
    for (int i = 0; i < n; i++) {
      Message entry = (Message) m.getRepeatedField(fd, i);
      g.writeFieldName(mapKey(keyFd, entry.getField(keyFd)));
      writeValue(g, valueFd, entry.getField(valueFd));
    }
    g.writeEndObject();
  }

  private static String mapKey(FieldDescriptor keyFd, Object key) {
    switch (keyFd.getType()) {
      case UINT32:
      case FIXED32:
        return Integer.toUnsignedString((Integer) key);
      case UINT64:
      case FIXED64:
        return Long.toUnsignedString((Long) key);
      default:
        return String.valueOf(key);
    }
  }

  private static void writeValue(JsonGenerator g, FieldDescriptor fd, Object v) throws IOException {
    switch (fd.getType()) {
      case INT32:
      case SINT32:
      case SFIXED32:
        g.writeNumber((Integer) v);
        break;
      case UINT32:
      case FIXED32:
        g.writeNumber(Integer.toUnsignedLong((Integer) v));
        break;
      case INT64:
      case SINT64:
      case SFIXED64:
        // Strings, as proto3 JSON and the specification's examples write 64-bit integers:
        // JavaScript numbers lose precision above 2^53.
        g.writeString(Long.toString((Long) v));
        break;
      case UINT64:
      case FIXED64:
        g.writeString(Long.toUnsignedString((Long) v));
        break;
      case FLOAT:
        float f = (Float) v;
        if (Float.isFinite(f)) {
          g.writeNumber(f);
        } else {
          g.writeString(nonFinite(f));
        }
        break;
      case DOUBLE:
        double d = (Double) v;
        if (Double.isFinite(d)) {
          g.writeNumber(d);
        } else {
          g.writeString(nonFinite(d));
        }
        break;
      case BOOL:
        g.writeBoolean((Boolean) v);
        break;
      case STRING:
        g.writeString((String) v);
        break;
      case BYTES:
        ByteString bytes = (ByteString) v;
        g.writeString(OtlpJsonReader.isHexId(fd)
            ? Hex.encode(bytes) : Base64.getEncoder().encodeToString(bytes.toByteArray()));
        break;
      case ENUM:
        g.writeNumber(((EnumValueDescriptor) v).getNumber());
        break;
      case MESSAGE:
      case GROUP:
        writeMessage(g, (MessageOrBuilder) v);
        break;
      default:
        throw new AssertionError(fd.getType());
    }
  }

  private static String nonFinite(double d) {
    return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  }
}
