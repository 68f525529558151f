package dev.skein.storage;

import static java.util.Objects.requireNonNull;

/**
 * An operation (span name) of a service and the kind of its spans.
 *
 * @param name the span name
 * @param spanKind the kind in Jaeger's lower-case spelling ({@code server}, {@code client},
 *     {@code producer}, {@code consumer}, {@code internal}), or the empty string when unspecified
 */
public record Operation(String name, String spanKind) {
  public Operation {
    requireNonNull(name, "name");
    requireNonNull(spanKind, "spanKind");
  }
}
