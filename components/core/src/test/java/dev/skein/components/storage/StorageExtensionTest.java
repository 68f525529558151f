package dev.skein.components.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.storage.TraceStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stores of tenants: opened on first use, closed when idle, opened again with their spans;
 * and the disk and tenant gauges in Skein's telemetry.
 */
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
  void aTenantsStoreHandedOutEarlierOpensItAgainAfterItWasClosedForBeingIdle() throws Exception {
    StorageExtension e = start("{'tenant_idle_timeout': '200ms', 'backends': {'main': {'embedded': {'path': '"
        + dir + "'}}}}");
    try {
      TraceStore held = e.store("main", "acme", true);
      held.write(trace()).get(1, TimeUnit.MINUTES);
      awaitTrue("the idle store is closed", () -> e.openTenants("main") == 0);

      assertThat(held.trace(TraceId.fromHex(ID))).as("read through the handle held across the close").isPresent();
      held.write(trace()).get(1, TimeUnit.MINUTES);
      assertThat(held.services()).containsExactly("checkout");
    } finally {
      e.shutdown();
    }
  }

  @Test
  void keepsATenantsStoreOpenWhileACallUsesIt() throws Exception {
    StorageExtension e = start("{'tenant_idle_timeout': '100ms', 'backends': {'main': {'embedded': {'path': '"
        + dir + "'}}}}");
    try {
      TraceStore inUse = e.acquire("main", "acme", true);
      // A call longer than ten idle timeouts, forty checks.
      Thread.sleep(1_000);
      assertThat(e.openTenants("main")).as("open while a call uses it").isEqualTo(1);
      inUse.write(trace()).get(1, TimeUnit.MINUTES);
      e.release("main", "acme", inUse);

      awaitTrue("closed once the call ended", () -> e.openTenants("main") == 0);
      assertThat(e.store("main", "acme", false).trace(TraceId.fromHex(ID))).isPresent();
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

  @Test
  void reportsTheDiskAnEmbeddedBackendUsesAndHasLeftAndItsOpenTenantStores() throws Exception {
    Telemetry telemetry = new Telemetry();
    StorageExtension e = start("{'backends': {'main': {'embedded': {'path': '" + dir + "'}}, "
        + "'scratch': {'memory': null}}}", telemetry);
    try {
      assertThat(gauge(telemetry, StorageExtension.OPEN_TENANTS, "main")).isZero();
      e.store("main", "acme", true).write(trace()).get(1, TimeUnit.MINUTES);
      e.store("scratch", "acme", true).write(trace()).get(1, TimeUnit.MINUTES);
      e.store("scratch", "globex", true).write(trace()).get(1, TimeUnit.MINUTES);
      assertThat(gauge(telemetry, StorageExtension.OPEN_TENANTS, "main")).isEqualTo(1);
      assertThat(gauge(telemetry, StorageExtension.OPEN_TENANTS, "scratch")).isEqualTo(2);

      // The backend's own database file and the tenant's, under tenants/, both count.
      long databases;
      try (Stream<Path> files = Files.walk(dir)) {
        databases = files.filter(f -> f.getFileName().toString().equals("skein.duckdb"))
            .mapToLong(f -> f.toFile().length()).sum();
      }
      assertThat(Files.exists(dir.resolve("skein.duckdb"))).isTrue();
      assertThat(databases).isGreaterThan(Files.size(dir.resolve("skein.duckdb")));
      assertThat(gauge(telemetry, StorageExtension.DISK_USED, "main")).isGreaterThanOrEqualTo(databases);

      long free = Files.getFileStore(dir).getUsableSpace();
      assertThat(gauge(telemetry, StorageExtension.DISK_FREE, "main")).isPositive()
          .isBetween(free - (256L << 20), free + (256L << 20));
      assertThat(telemetry.gauges()).as("a memory backend has no disk")
          .doesNotContainKey(new Telemetry.Key(StorageExtension.DISK_USED, "backend", "scratch"));
    } finally {
      e.shutdown();
    }
    assertThat(telemetry.gauges().keySet()).as("gauges after shutdown")
        .noneMatch(k -> k.metric().startsWith("skein_storage_"));
  }

  private static long gauge(Telemetry telemetry, String metric, String backend) {
    Map<Telemetry.Key, Long> gauges = telemetry.gauges();
    Telemetry.Key key = new Telemetry.Key(metric, "backend", backend);
    assertThat(gauges).as(metric + " of " + backend).containsKey(key);
    return gauges.get(key);
  }

  private static StorageExtension start(String json) throws Exception {
    return start(json, new Telemetry());
  }

  private static StorageExtension start(String json, Telemetry telemetry) throws Exception {
    StorageExtensionConfig c = ConfigBinder.bind(JSON.readTree(json.replace('\'', '"')),
        new StorageExtensionFactory().createDefaultConfig(), "extensions::storage");
    assertThat(c.validate()).isEmpty();
    StorageExtension e = new StorageExtension(ComponentId.of("storage"), c, telemetry);
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
