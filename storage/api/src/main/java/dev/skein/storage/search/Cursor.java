package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.TraceId;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a page of search results ended: the position of its last trace in an {@link Order}. The
 * next page holds the traces that come after it in that order, so paging stays stable while
 * traces are written: a trace is never returned twice, and one that was there when the first page
 * was asked for is never skipped. A cursor is only valid with the order it was made for.
 *
 * <p>Its text form ({@link #encode()}) is an opaque URL-safe token.
 */
public final class Cursor {
  private static final String VERSION = "c1";

  private final Order order;
  private final long primary;
  private final long startNanos;
  private final TraceId traceId;

  private Cursor(Order order, long primary, long startNanos, TraceId traceId) {
    this.order = order;
    this.primary = primary;
    this.startNanos = startNanos;
    this.traceId = traceId;
  }

  /** The cursor just after {@code last} in {@code order}. */
  public static Cursor after(Order order, TraceSummary last) {
    requireNonNull(order, "order");
    requireNonNull(last, "last");
    return new Cursor(order, order.primaryKey(last), last.startNanos(), last.traceId());
  }

  /**
   * Parses a token made by {@link #encode()}.
   *
   * @throws IllegalArgumentException naming the token if it is not one
   */
  public static Cursor parse(String token) {
    requireNonNull(token, "token");
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = text.split(":", -1);
      if (parts.length == 5 && parts[0].equals(VERSION)) {
        return new Cursor(Order.fromParameter(parts[1]), Long.parseLong(parts[2]),
            Long.parseLong(parts[3]), TraceId.fromHex(parts[4]));
      }
    } catch (IllegalArgumentException e) {
      // Falls through to the one message for every malformed token.
    }
    throw new IllegalArgumentException(
        "cursor: \"" + token + "\" (expected: the nextCursor of a previous search)");
  }

  public Order order() {
    return order;
  }

  /** The value the order sorts by first: start time, duration or error count. */
  public long primaryKey() {
    return primary;
  }

  /** The start time of the last trace, which breaks ties. */
  public long startNanos() {
    return startNanos;
  }

  /** The last trace, which breaks remaining ties. */
  public TraceId traceId() {
    return traceId;
  }

  /** Whether {@code s} comes after this cursor in its order, and so belongs to the next page. */
  public boolean precedes(TraceSummary s) {
    long p = order.primaryKey(s);
    int c;
    switch (order) {
      case OLDEST:
        c = Long.compare(p, primary);
        break;
      default:
        c = Long.compare(primary, p);
        if (c == 0 && order != Order.NEWEST) {
          c = Long.compare(startNanos, s.startNanos());
        }
    }
    if (c == 0) {
      c = s.traceId().hex().compareTo(traceId.hex());
    }
    return c > 0;
  }

  public String encode() {
    String text = VERSION + ':' + order.parameter() + ':' + primary + ':' + startNanos + ':' + traceId.hex();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Cursor)) {
      return false;
    }
    Cursor c = (Cursor) o;
    return order == c.order && primary == c.primary && startNanos == c.startNanos && traceId.equals(c.traceId);
  }

  @Override
  public int hashCode() {
    return traceId.hashCode() * 31 + Long.hashCode(primary);
  }

  @Override
  public String toString() {
    return encode();
  }
}
