package dev.skein.components.storage;

import dev.skein.storage.TraceStore;

/**
 * The stores of one storage backend, one per tenant ({@link dev.skein.model.Tenants#NONE} is the
 * backend's own). Thread-safe; the stores stay open until the storage extension stops.
 */
public interface TenantStores {
  /**
   * The store {@code tenant}'s spans are written to, opened on first use.
   *
   * @throws dev.skein.storage.StorageException (not retryable) when the backend holds as many
   *     tenants as it may
   */
  TraceStore forWrite(String tenant);

  /** The store {@code tenant}'s queries read; an empty one when the tenant has stored nothing. */
  TraceStore forRead(String tenant);
}
