package dev.skein.query;

import dev.skein.storage.TraceStore;
import dev.skein.storage.memory.MemoryTraceStore;
import java.nio.file.Path;

/** The query APIs over the in-memory store. */
class MemoryQueryApiTest extends QueryApiContract {
  @Override
  TraceStore open(Path dir) {
    return MemoryTraceStore.create();
  }
}
