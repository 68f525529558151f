package dev.skein.query;

import dev.skein.storage.TraceStore;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import java.nio.file.Path;

/** The query APIs over the embedded DuckDB store. */
class EmbeddedQueryApiTest extends QueryApiContract {
  @Override
  TraceStore open(Path dir) {
    return EmbeddedTraceStore.builder().path(dir).build();
  }
}
