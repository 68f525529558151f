package dev.skein.storage.embedded;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Nullable;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compresses the span bytes of the {@code spans} table with zstd and a dictionary trained on the
 * store's own spans. A span's bytes are a few hundred bytes of mostly the same attribute keys and
 * values as its neighbours': alone they barely compress, and DuckDB's FSST compression of the
 * column left 114 of 254 bytes per span of the benchmark's span mix; with a 110 KiB dictionary
 * trained on 10,000 spans of the same mix, zstd at level 5 leaves 25 (29 at level 3 or with a
 * 32 KiB dictionary, 23 at level 6 for twice the compression time), and a span still reads back
 * alone.
 *
 * <p>A stored span is either its protobuf bytes as they are (rows written before the store had a
 * dictionary, and every row of earlier schema versions), or the byte 0, the dictionary's number
 * as a varint, and a zstd frame without the magic number that records its content size. A
 * serialized span never starts with the byte 0, which would be a field numbered 0, so the two
 * cannot be confused. Dictionaries are rows of {@code span_dictionaries}, written in the same
 * transaction as the first span compressed with them, and never deleted: one is 110 KiB, and a new
 * one is trained after every {@link #SPANS_PER_DICTIONARY} spans, from the latest spans, so the
 * dictionary follows what services send.
 *
 * <p>Training runs on a thread of its own, so writes do not wait for it. Writing ({@link
 * #writing}, {@link #committed}) is for the writer thread only; reading ({@link #loadFor}, {@link
 * #decoder}) is thread-safe.
 */
final class SpanCompression {
  private static final Logger logger = LoggerFactory.getLogger(SpanCompression.class);
  /** Spans a dictionary is trained on. */
  static final int SAMPLES = 10_000;
  /** Spans compressed with one dictionary before the next is trained from the latest spans. */
  static final long SPANS_PER_DICTIONARY = 1_000_000;
  static final int DICTIONARY_BYTES = 110 * 1024;
  private static final int LEVEL = 5;
  private static final byte COMPRESSED = 0;
  private static final ExecutorService TRAINER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "skein-embedded-dictionary-trainer");
    t.setDaemon(true);
    return t;
  });

  private final int samples;
  private final long spansPerDictionary;
  /** Every dictionary of committed rows, by number. */
  private final Map<Integer, ZstdDictDecompress> readable = new ConcurrentHashMap<>();

  // The writer thread's state.
  private @Nullable Dictionary current;
  private int highestId;
  /** The latest spans, oldest overwritten first. */
  private final byte[][] recent;
  private int recentNext;
  private int recentCount;
  private long spansSinceTraining;
  private @Nullable CompletableFuture<byte[]> training;
  /** A dictionary trained and not yet committed: written again by every transaction until one commits. */
  private @Nullable Dictionary pending;

  SpanCompression() {
    this(SAMPLES, SPANS_PER_DICTIONARY);
  }

  SpanCompression(int samples, long spansPerDictionary) {
    this.samples = samples;
    this.spansPerDictionary = spansPerDictionary;
    this.recent = new byte[samples][];
  }

  /** A dictionary and the context that compresses with it. */
  private static final class Dictionary {
    final int id;
    final byte[] bytes;
    final ZstdCompressCtx context;

    Dictionary(int id, byte[] bytes) {
      this.id = id;
      this.bytes = bytes;
      this.context = new ZstdCompressCtx().setLevel(LEVEL).setMagicless(true).setContentSize(true)
          .setChecksum(false).setDictID(false).loadDict(bytes);
    }
  }

  /**
   * Reads the dictionaries stored since the last call; the newest becomes the one spans are
   * compressed with. For the writer thread, when it opens the database.
   */
  void loadStored(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT dictionary_id, dictionary FROM span_dictionaries"
        + " WHERE dictionary_id > " + highestId + " ORDER BY dictionary_id")) {
      while (rs.next()) {
        int id = rs.getInt(1);
        byte[] bytes = rs.getBytes(2);
        readable.computeIfAbsent(id, k -> new ZstdDictDecompress(bytes));
        replaceCurrent(new Dictionary(id, bytes));
      }
    }
  }

  /**
   * Starts compressing the spans of one transaction: a dictionary trained since the last one is
   * written in it, and the spans are compressed with that.
   */
  Writing writing(Connection connection) throws SQLException {
    if (pending == null && training != null && training.isDone()) {
      try {
        byte[] bytes = training.join();
        pending = new Dictionary(highestId + 1, bytes);
      } catch (RuntimeException e) {
        // Spans too few, too small or too alike: they are stored as they are, and training is tried again later.
        logger.info("Training a compression dictionary for spans failed; spans stay uncompressed until the next"
            + " try: {}", e.getMessage());
      }
      training = null;
    }
    if (pending != null) {
      // Ignored if there: a commit that reported failure may still have stored it.
      try (PreparedStatement ps = connection.prepareStatement("INSERT OR IGNORE INTO span_dictionaries VALUES (?, ?)")) {
        ps.setInt(1, pending.id);
        ps.setBytes(2, pending.bytes);
        ps.executeUpdate();
      }
      return new Writing(pending);
    }
    return new Writing(current);
  }

  /** Makes the dictionary {@code w} wrote, if any, the one every later transaction uses. */
  void committed(@Nullable Writing w) {
    if (w != null && w.dictionary != null && w.dictionary == pending) {
      byte[] bytes = pending.bytes;
      readable.computeIfAbsent(pending.id, k -> new ZstdDictDecompress(bytes));
      replaceCurrent(pending);
      pending = null;
    }
  }

  private void replaceCurrent(Dictionary d) {
    if (current != null) {
      current.context.close();
    }
    current = d;
    highestId = d.id;
  }

  /** Compresses the spans of one transaction. */
  final class Writing {
    @Nullable private final Dictionary dictionary;

    private Writing(@Nullable Dictionary dictionary) {
      this.dictionary = dictionary;
    }

    /** The bytes to store for {@code span}: compressed when that is shorter. */
    byte[] compress(byte[] span) {
      remember(span);
      if (dictionary == null || span.length == 0) {
        return span;
      }
      byte[] frame = dictionary.context.compress(span);
      int header = 1 + CodedOutputStream.computeUInt32SizeNoTag(dictionary.id);
      if (header + frame.length >= span.length) {
        return span;
      }
      byte[] out = new byte[header + frame.length];
      out[0] = COMPRESSED;
      try {
        CodedOutputStream o = CodedOutputStream.newInstance(out, 1, header - 1);
        o.writeUInt32NoTag(dictionary.id);
        o.flush();
      } catch (IOException e) {
        throw new IllegalStateException("the header was sized for the dictionary number", e);
      }
      System.arraycopy(frame, 0, out, header, frame.length);
      return out;
    }
  }

  /** Keeps {@code span} among the latest, and starts training when it is time. */
  private void remember(byte[] span) {
    recent[recentNext] = span;
    recentNext = (recentNext + 1) % recent.length;
    recentCount = Math.min(recentCount + 1, recent.length);
    spansSinceTraining++;
    long due = current == null ? samples : spansPerDictionary;
    if (training == null && pending == null && spansSinceTraining >= due && recentCount == recent.length) {
      List<byte[]> sample = new ArrayList<>(Arrays.asList(recent));
      training = CompletableFuture.supplyAsync(() -> train(sample), TRAINER);
      spansSinceTraining = 0;
    }
  }

  /** Waits until a training that has started ends, as it will on its own; for the writer thread. */
  void awaitTraining() {
    CompletableFuture<byte[]> t = training;
    if (t != null) {
      t.handle((dictionary, failure) -> null).join();
    }
  }

  private static byte[] train(List<byte[]> sample) {
    long bytes = 0;
    for (byte[] span : sample) {
      bytes += span.length;
    }
    ZstdDictTrainer trainer = new ZstdDictTrainer((int) Math.min(Integer.MAX_VALUE, bytes), DICTIONARY_BYTES);
    for (byte[] span : sample) {
      trainer.addSample(span);
    }
    return trainer.trainSamples();
  }

  /**
   * Frees the native memory of the dictionaries and contexts. Call when neither the writer nor a
   * reader uses this any more.
   */
  void close() {
    if (current != null) {
      current.context.close();
      current = null;
    }
    if (pending != null) {
      pending.context.close();
      pending = null;
    }
    readable.values().forEach(ZstdDictDecompress::close);
    readable.clear();
  }

  /** The dictionary {@code stored} was compressed with, or -1 if it is not compressed. */
  private static int dictionaryId(byte[] stored) throws InvalidProtocolBufferException {
    if (stored.length == 0 || stored[0] != COMPRESSED) {
      return -1;
    }
    int id;
    try {
      id = CodedInputStream.newInstance(stored, 1, stored.length - 1).readUInt32();
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    if (id < 0) {
      throw new InvalidProtocolBufferException("compressed span names dictionary " + Integer.toUnsignedString(id));
    }
    return id;
  }

  /**
   * Reads the dictionaries of {@code stored} spans that this process has not read yet, through
   * {@code tx}: a reader can see a dictionary's first spans before the writer has recorded it.
   */
  void loadFor(Iterable<byte[]> stored, Statement tx) throws SQLException, InvalidProtocolBufferException {
    StringJoiner missing = new StringJoiner(",");
    boolean any = false;
    for (byte[] s : stored) {
      int id = dictionaryId(s);
      if (id >= 0 && !readable.containsKey(id)) {
        missing.add(Integer.toString(id));
        any = true;
      }
    }
    if (!any) {
      return;
    }
    try (ResultSet rs = tx.executeQuery("SELECT dictionary_id, dictionary FROM span_dictionaries"
        + " WHERE dictionary_id IN (" + missing + ")")) {
      while (rs.next()) {
        byte[] bytes = rs.getBytes(2);
        readable.computeIfAbsent(rs.getInt(1), k -> new ZstdDictDecompress(bytes));
      }
    }
  }

  /** Decompresses stored spans; {@link #loadFor} their dictionaries first. Not thread-safe. */
  Decoder decoder() {
    return new Decoder();
  }

  final class Decoder implements AutoCloseable {
    @Nullable private ZstdDecompressCtx context;

    /** The span's protobuf bytes. */
    byte[] plain(byte[] stored) throws InvalidProtocolBufferException {
      int id = dictionaryId(stored);
      if (id < 0) {
        return stored;
      }
      ZstdDictDecompress dictionary = readable.get(id);
      if (dictionary == null) {
        throw new InvalidProtocolBufferException("compressed span names dictionary " + id
            + ", which span_dictionaries does not hold");
      }
      int from = 1 + CodedOutputStream.computeUInt32SizeNoTag(id);
      long size = Zstd.getFrameContentSize(stored, from, stored.length - from, true);
      if (size < 0 || size > Integer.MAX_VALUE) {
        throw new InvalidProtocolBufferException("compressed span's zstd frame records no size (" + size + ")");
      }
      if (context == null) {
        context = new ZstdDecompressCtx().setMagicless(true);
      }
      context.loadDict(dictionary);
      byte[] out = new byte[(int) size];
      int n;
      try {
        n = context.decompressByteArray(out, 0, out.length, stored, from, stored.length - from);
      } catch (ZstdException e) {
        throw new InvalidProtocolBufferException("compressed span does not decompress: " + e.getMessage());
      }
      if (n != out.length) {
        throw new InvalidProtocolBufferException("compressed span decompressed to " + n + " bytes, not " + out.length);
      }
      return out;
    }

    @Override
    public void close() {
      if (context != null) {
        context.close();
      }
    }
  }
}
