package dev.skein.query;

import dev.skein.storage.TraceStore;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import java.nio.file.Path;

/** The analytics endpoints over the embedded DuckDB store. */
class EmbeddedAnalyticsApiTest extends AnalyticsApiContract {
  @Override
  TraceStore open(Path dir) {
    return EmbeddedTraceStore.builder().path(dir).build();
  }
}
