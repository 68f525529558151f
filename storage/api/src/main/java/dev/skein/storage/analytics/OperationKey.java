package dev.skein.storage.analytics;

import static java.util.Objects.requireNonNull;

/** A service and one of its span names. */
public record OperationKey(String service, String operation) {
  public OperationKey {
    requireNonNull(service, "service");
    requireNonNull(operation, "operation");
  }
}
