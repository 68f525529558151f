package dev.skein.storage.embedded;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The encodings of the two BLOB columns of the {@code traces} table: spans per service (a count,
 * then for each service its UTF-8 name's length, the name and its span count) and the keys of the
 * trace's spans (8 bytes each, big-endian).
 */
final class TraceRow {
  private TraceRow() {}

  static byte[] encodeServices(Map<String, Integer> services) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(services.size());
      for (Map.Entry<String, Integer> e : services.entrySet()) {
        byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
        out.writeInt(name.length);
        out.write(name);
        out.writeInt(e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Map<String, Integer> decodeServices(byte[] encoded) {
    Map<String, Integer> out = new TreeMap<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        byte[] name = new byte[in.readInt()];
        in.readFully(name);
        out.put(new String(name, StandardCharsets.UTF_8), in.readInt());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("a trace summary's services do not decode", e);
    }
    return out;
  }

  static byte[] encodeKeys(Set<Long> keys) {
    ByteBuffer b = ByteBuffer.allocate(keys.size() * Long.BYTES);
    for (long k : keys) {
      b.putLong(k);
    }
    return b.array();
  }

  static Set<Long> decodeKeys(byte[] encoded) {
    ByteBuffer b = ByteBuffer.wrap(encoded);
    Set<Long> out = new HashSet<>(encoded.length / Long.BYTES * 2);
    while (b.remaining() >= Long.BYTES) {
      out.add(b.getLong());
    }
    return out;
  }
}
