package dev.skein.components.filterprocessor;

import java.util.Locale;

/** What happens when a condition cannot be evaluated, as the Collector's {@code error_mode} says. */
enum ErrorMode {
  /** The batch is refused as a permanent failure. */
  PROPAGATE,
  /** The condition counts as false and the problem is logged. */
  IGNORE,
  /** The condition counts as false, silently. */
  SILENT;

  static ErrorMode of(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
