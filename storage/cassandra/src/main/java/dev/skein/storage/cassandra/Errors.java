package dev.skein.storage.cassandra;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.RequestThrottlingException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryConsistencyException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import com.datastax.oss.driver.api.core.servererrors.TruncateException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import dev.skein.storage.StorageException;
import java.util.concurrent.CompletionException;

/** Maps the driver's failures to {@link StorageException}, keeping the driver's message. */
final class Errors {
  private Errors() {}

  /**
   * A storage failure of {@code what}. Failures a later attempt may not meet (nodes down or
   * overloaded, timeouts, too few replicas) are retryable; the rest (an invalid query, a missing
   * keyspace, authentication) are not.
   */
  static StorageException storage(String what, Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof StorageException) {
      return (StorageException) c;
    }
    boolean retryable = c instanceof AllNodesFailedException || c instanceof DriverTimeoutException
        || c instanceof NoNodeAvailableException || c instanceof BusyConnectionException
        || c instanceof ClosedConnectionException || c instanceof OverloadedException
        || c instanceof QueryConsistencyException || c instanceof UnavailableException
        || c instanceof ServerError || c instanceof TruncateException
        || c instanceof RequestThrottlingException;
    String message = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    return new StorageException("Cassandra: " + what + ": " + message, retryable, c);
  }
}
