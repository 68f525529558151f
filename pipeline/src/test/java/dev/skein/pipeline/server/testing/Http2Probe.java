package dev.skein.pipeline.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Speaks raw HTTP/2 over cleartext (prior knowledge) to check what a server announces and how it
 * treats an abusive client, frame by frame.
 */
public final class Http2Probe {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADERS = 1;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int GOAWAY = 7;
  private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 3;

  private Http2Probe() {}

  /** The SETTINGS_MAX_CONCURRENT_STREAMS the server announces, or -1 when it announces none (unlimited). */
  public static long maxConcurrentStreams(int port) throws IOException {
    try (Socket s = connect(port)) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      while (true) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt();
        byte[] payload = in.readNBytes(length);
        if (type == SETTINGS && (flags & 1) == 0) {
          for (int i = 0; i + 6 <= payload.length; i += 6) {
            int id = (payload[i] & 0xff) << 8 | (payload[i + 1] & 0xff);
            long value = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xff) << 16)
                | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff);
            if (id == SETTINGS_MAX_CONCURRENT_STREAMS) {
              return value;
            }
          }
          return -1;
        }
      }
    }
  }

  /**
   * Opens {@code streams} requests and resets each at once (the HTTP/2 rapid reset attack), then
   * reads until the server sends GOAWAY. Returns its error code (11: ENHANCE_YOUR_CALM), or -1
   * when the server closed the connection without one.
   */
  public static int rapidReset(int port, int streams) throws IOException {
    try (Socket s = connect(port)) {
      ByteArrayOutputStream frames = new ByteArrayOutputStream();
      byte[] authority = "localhost".getBytes(StandardCharsets.US_ASCII);
      // :method GET, :scheme http, :path / from the static table; :authority as a literal.
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      block.write(0x82);
      block.write(0x86);
      block.write(0x84);
      block.write(0x01);
      block.write(authority.length);
      block.write(authority, 0, authority.length);
      for (int i = 0; i < streams; i++) {
        int id = 2 * i + 1;
        frame(frames, HEADERS, 0x5, id, block.toByteArray());
        frame(frames, RST_STREAM, 0, id, new byte[] {0, 0, 0, 8});
      }
      OutputStream out = s.getOutputStream();
      out.write(frames.toByteArray());
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      try {
        while (true) {
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          in.readUnsignedByte();
          in.readInt();
          byte[] payload = in.readNBytes(length);
          if (type == GOAWAY) {
            return (payload[4] & 0xff) << 24 | (payload[5] & 0xff) << 16 | (payload[6] & 0xff) << 8
                | (payload[7] & 0xff);
          }
        }
      } catch (EOFException | java.net.SocketException closed) {
        return -1;
      }
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write(PREFACE);
    ByteArrayOutputStream settings = new ByteArrayOutputStream();
    frame(settings, SETTINGS, 0, 0, new byte[0]);
    out.write(settings.toByteArray());
    out.flush();
    return s;
  }

  private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
    out.write(payload.length >> 16 & 0xff);
    out.write(payload.length >> 8 & 0xff);
    out.write(payload.length & 0xff);
    out.write(type);
    out.write(flags);
    out.write(stream >> 24 & 0x7f);
    out.write(stream >> 16 & 0xff);
    out.write(stream >> 8 & 0xff);
    out.write(stream & 0xff);
    out.write(payload, 0, payload.length);
  }
}
