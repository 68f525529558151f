package dev.skein.components.fileexporter;

import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesExporter;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each batch to {@code path}: as one line of OTLP/JSON ({@code TracesData}, the shape of an
 * {@code ExportTraceServiceRequest}), or as protobuf after its length in 4 big-endian bytes. A
 * batch's future completes once the batch is written to the file (handed to the operating system);
 * every {@code flush_interval} the file is forced to disk, and at shutdown.
 */
final class FileExporter implements TracesExporter {
  private static final Logger log = LoggerFactory.getLogger(FileExporter.class);

  private final CreateSettings settings;
  private final FileExporterConfig config;
  private final Clock clock;
  @Nullable private RotatingFile file;
  @Nullable private ScheduledExecutorService syncer;
  private boolean dirty;
  private boolean shutDown;

  FileExporter(CreateSettings settings, FileExporterConfig config) {
    this(settings, config, Clock.systemUTC());
  }

  FileExporter(CreateSettings settings, FileExporterConfig config, Clock clock) {
    this.settings = settings;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public synchronized void start(Host host) throws IOException {
    if (file != null || shutDown) {
      return;
    }
    // With rotation the Collector always appends, as lumberjack does.
    file = RotatingFile.open(Path.of(config.path), !config.append && config.rotation == null, config.rotation, clock);
    syncer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "file-exporter-" + settings.id());
      t.setDaemon(true);
      return t;
    });
    long every = config.flushInterval.toNanos();
    syncer.scheduleWithFixedDelay(this::sync, every, every, TimeUnit.NANOSECONDS);
    log.info("File exporter \"{}\" writes {} to {}", settings.id(), config.format, config.path);
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    if (traces.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    byte[] record = encode(traces);
    synchronized (this) {
      if (file == null) {
        return CompletableFuture.failedFuture(PipelineException.retryable("exporter \"" + settings.id()
            + "\" is " + (shutDown ? "shut down" : "not started"), null));
      }
      try {
        file.write(record);
        dirty = true;
      } catch (IOException e) {
        return CompletableFuture.failedFuture(PipelineException.retryable("exporter \"" + settings.id()
            + "\" cannot write to \"" + config.path + "\": " + e.getMessage(), e));
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  private byte[] encode(Traces traces) {
    TracesData data = TracesData.newBuilder().addAllResourceSpans(traces.resourceSpans()).build();
    if (config.proto()) {
      byte[] message = data.toByteArray();
      return ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).array();
    }
    byte[] json = OtlpJson.encode(data);
    byte[] line = new byte[json.length + 1];
    System.arraycopy(json, 0, line, 0, json.length);
    line[json.length] = '\n';
    return line;
  }

  private synchronized void sync() {
    if (file == null || !dirty) {
      return;
    }
    try {
      file.force();
      dirty = false;
    } catch (IOException e) {
      log.warn("File exporter \"{}\" cannot sync \"{}\" to disk: {}", settings.id(), config.path, e.getMessage());
    }
  }

  @Override
  public void shutdown() {
    ScheduledExecutorService s;
    synchronized (this) {
      shutDown = true;
      s = syncer;
      syncer = null;
    }
    if (s != null) {
      s.shutdownNow();
    }
    synchronized (this) {
      if (file == null) {
        return;
      }
      try {
        file.close();
      } catch (IOException e) {
        log.warn("File exporter \"{}\" cannot close \"{}\": {}", settings.id(), config.path, e.getMessage());
      }
      file = null;
    }
  }
}
