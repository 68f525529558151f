package dev.skein.query;

import dev.skein.storage.TraceStore;
import dev.skein.storage.memory.MemoryTraceStore;
import java.nio.file.Path;

/** The analytics endpoints over the in-memory store. */
class MemoryAnalyticsApiTest extends AnalyticsApiContract {
  @Override
  TraceStore open(Path dir) {
    return MemoryTraceStore.create();
  }
}
