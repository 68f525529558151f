package dev.skein.query;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Nullable;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.Order;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The query parameters of one request, read with the API's units. Every accessor refuses a bad
 * value with a {@link QueryException} naming the parameter, the value and what was expected. An
 * empty value counts as absent, as Go's {@code FormValue} reads it.
 */
final class Params {
  private final QueryParams params;

  Params(ServiceRequestContext ctx) {
    this.params = ctx.queryParams();
  }

  @Nullable String get(String name) {
    String v = params.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /** Every non-empty value of a repeated parameter, in order. */
  List<String> all(String name) {
    List<String> out = new ArrayList<>();
    for (String v : params.getAll(name)) {
      if (!v.isEmpty()) {
        out.add(v);
      }
    }
    return out;
  }

  @Nullable Long integer(String name, String expected) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw QueryException.badParameter(name, v, expected);
    }
  }

  /** A positive count, lowered to {@code max}; {@code fallback} when absent. */
  int limit(String name, int fallback, int max) throws QueryException {
    Long v = integer(name, "a positive integer");
    if (v == null) {
      return Math.min(fallback, max);
    }
    if (v <= 0) {
      throw QueryException.badParameter(name, get(name), "a positive integer");
    }
    return (int) Math.min(v, max);
  }

  /** A non-negative Go duration ({@code 100ms}, {@code 1.5s}, {@code 1h30m}), or null. */
  @Nullable Duration goDuration(String name) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      Duration d = dev.skein.model.GoDuration.parse(v);
      if (!d.isNegative()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // Reported below with the expected form.
    }
    throw QueryException.badParameter(name, v, "a duration such as 100ms, 1.5s or 1h30m");
  }

  /** An RFC 3339 time such as {@code 2024-05-01T12:00:00.5Z}, or null. */
  @Nullable Instant rfc3339(String name) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw QueryException.badParameter(name, v, "an RFC 3339 time such as 2024-05-01T12:00:00Z");
      }
    }
  }

  @Nullable Boolean bool(String name) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    switch (v) {
      case "true": case "1": case "t": case "TRUE": case "True": return true;
      case "false": case "0": case "f": case "FALSE": case "False": return false;
      default: throw QueryException.badParameter(name, v, "true or false");
    }
  }

  Order order(String name) throws QueryException {
    String v = get(name);
    if (v == null) {
      return Order.NEWEST;
    }
    try {
      return Order.fromParameter(v);
    } catch (IllegalArgumentException e) {
      throw QueryException.badParameter(name, v, "newest, oldest, slowest or most_errors");
    }
  }

  @Nullable Cursor cursor(String name, Order order) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    Cursor c;
    try {
      c = Cursor.parse(v);
    } catch (IllegalArgumentException e) {
      throw QueryException.badParameter(name, v, "the nextCursor of a previous search");
    }
    if (c.order() != order) {
      throw QueryException.badParameter(name, v, "a cursor of a search with order=" + order.parameter()
          + "; this one continues order=" + c.order().parameter());
    }
    return c;
  }

  /**
   * A span kind by its lower-case name ({@code server}, {@code client}, ...), one of
   * {@code allowed}, or null when absent.
   */
  @Nullable Span.SpanKind spanKind(String name, List<String> allowed, String expected) throws QueryException {
    String v = get(name);
    if (v == null) {
      return null;
    }
    String lower = v.toLowerCase(Locale.ROOT);
    if (allowed.contains(lower)) {
      for (Span.SpanKind k : Span.SpanKind.values()) {
        if (k != Span.SpanKind.UNRECOGNIZED && k.name().equals("SPAN_KIND_" + lower.toUpperCase(Locale.ROOT))) {
          return k;
        }
      }
    }
    throw QueryException.badParameter(name, v, expected);
  }

  /** Nanoseconds since the epoch from a count of {@code unitNanos} units, or null. */
  @Nullable Long epoch(String name, long unitNanos, String expected) throws QueryException {
    Long v = integer(name, expected);
    if (v == null) {
      return null;
    }
    if (v < 0 || v > Long.MAX_VALUE / unitNanos) {
      throw QueryException.badParameter(name, get(name), expected);
    }
    return v * unitNanos;
  }
}
