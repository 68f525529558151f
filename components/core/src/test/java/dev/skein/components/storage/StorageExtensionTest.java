package dev.skein.components.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.config.ConfigBinder;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores of tenants: opened on first use, closed when idle, opened again with their spans. */
class StorageExtensionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "5b8efff798038103d269b633813fc60c";

  @TempDir
  Path dir;

  @Test
  void closesATenantsIdleStoreAndOpensItAgainWithItsSpans() throws Exception {
    StorageExtension e = start("{'tenant_idle_timeout': '300ms', 'backends': {'main': {'embedded': {'path': '"
        + dir + "'}}}}");
    try {
      e.store("main", "acme", true).write(trace()).get(1, TimeUnit.MINUTES);
      assertThat(e.store("main", "acme", false).trace(TraceId.fromHex(ID))).isPresent();
      assertThat(e.openTenants("main")).isEqualTo(1);

      awaitTrue("the idle store is closed", () -> e.openTenants("main") == 0);

      assertThat(e.store("main", "acme", false).trace(TraceId.fromHex(ID))).as("read after opening again").isPresent();
      assertThat(e.openTenants("main")).isEqualTo(1);
      assertThat(e.store("main", "globex", false).trace(TraceId.fromHex(ID))).as("another tenant's").isEmpty();
    } finally {
      e.shutdown();
    }
  }

  @Test
  void keepsAMemoryBackendsTenantStoresOpenWhenIdle() throws Exception {
    StorageExtension e = start("{'tenant_idle_timeout': '100ms', 'backends': {'main': {'memory': null}}}");
    try {
      e.store("main", "acme", true).write(trace()).get(1, TimeUnit.MINUTES);
      // Ten idle timeouts, forty checks: a memory store would lose its spans if it were closed.
      Thread.sleep(1_000);
      assertThat(e.openTenants("main")).isEqualTo(1);
      assertThat(e.store("main", "acme", false).trace(TraceId.fromHex(ID))).isPresent();
    } finally {
      e.shutdown();
    }
  }

  private static StorageExtension start(String json) throws Exception {
    StorageExtensionConfig c = ConfigBinder.bind(JSON.readTree(json.replace('\'', '"')),
        new StorageExtensionFactory().createDefaultConfig(), "extensions::storage");
    assertThat(c.validate()).isEmpty();
    StorageExtension e = new StorageExtension(ComponentId.of("storage"), c);
    e.start(null);
    return e;
  }

  private static Traces trace() {
    long now = System.currentTimeMillis() * 1_000_000L;
    ResourceSpans resource = ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(
        KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("checkout")))).build();
    Span span = Span.newBuilder().setTraceId(ByteString.fromHex(ID)).setSpanId(ByteString.fromHex("a000000000000001"))
        .setName("GET /checkout").setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(now - 1_000_000_000L).setEndTimeUnixNano(now).build();
    return Traces.builder().add(resource, ScopeSpans.getDefaultInstance(), span).build();
  }

  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within 30 s");
      }
      Thread.sleep(50);
    }
  }
}
