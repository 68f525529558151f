package dev.skein.components.memorylimiter;

import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import dev.skein.pipeline.config.GoDuration;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses data while memory in use is above the soft limit, the Collector's way: every
 * {@code check_interval} a daemon thread measures; at or above the soft limit (hard limit less
 * spike limit) every batch fails with {@link PipelineException.Kind#OVER_CAPACITY}, which receivers
 * answer with "retry later"; at or above the hard limit a garbage collection is requested at most
 * every {@code min_gc_interval_when_hard_limited}, and above the soft limit at most every
 * {@code min_gc_interval_when_soft_limited}; below the soft limit data passes through.
 *
 * <p>Memory in use is the heap in use outside the young generation's eden, plus the direct buffers
 * in use. That is the JVM's match for the Go heap allocation the Collector measures: the memory
 * that grows with the data held. Eden is left out because every new object starts there and most
 * die there: it fills and empties many times a second under load, so counting it made the limiter
 * refuse data for garbage that the next young collection frees anyway; objects that live on move
 * to the survivor spaces and the old generation, which are counted (collectors without an eden,
 * such as ZGC, count their whole heap). The rest
 * of the process (metaspace, code, thread stacks) is a fixed overhead, as it is for the Collector,
 * whose README puts it at about 50 MiB above {@code limit_mib}. {@code limit_percentage} is a
 * percentage of the JVM's maximum heap ({@code -Xmx}, by default a quarter of the machine's or
 * container's memory), since that is the limit the JVM itself fails at. A requested collection is
 * {@link System#gc()}, which {@code -XX:+DisableExplicitGC} turns off.
 *
 * <p>Refused spans are counted as {@code otelcol_processor_refused_spans{processor="<id>"}}.
 * {@link #start} and {@link #shutdown} are idempotent; before {@code start} nothing is refused.
 */
final class MemoryLimiter implements TracesProcessor {
  private static final Logger log = LoggerFactory.getLogger(MemoryLimiter.class);
  static final String REFUSED_SPANS = "otelcol_processor_refused_spans";
  private static final long MIB = 1024 * 1024;

  private final CreateSettings settings;
  private final TracesConsumer next;
  private final LongSupplier memoryInUse;
  private final LongSupplier nanoClock;
  private final Runnable gc;
  private final long checkIntervalNanos;
  private final long minGcSoftNanos;
  private final long minGcHardNanos;
  private final long hardLimit;
  private final long softLimit;
  private final Object lock = new Object();
  private volatile boolean refusing;
  private boolean gcDone;
  private long lastGcNanos;
  private ScheduledExecutorService scheduler;
  private boolean shutDown;

  MemoryLimiter(CreateSettings settings, MemoryLimiterConfig config, TracesConsumer next) {
    this(settings, config, next, MemoryLimiter::jvmMemoryInUse, Runtime.getRuntime().maxMemory(),
        System::nanoTime, System::gc);
  }

  /**
   * @param memoryInUse reads the bytes in use
   * @param totalMemory the bytes {@code limit_percentage} is a percentage of
   * @param nanoClock a monotonic clock in nanoseconds
   * @param gc requests a garbage collection
   */
  MemoryLimiter(CreateSettings settings, MemoryLimiterConfig config, TracesConsumer next,
      LongSupplier memoryInUse, long totalMemory, LongSupplier nanoClock, Runnable gc) {
    this.settings = settings;
    this.next = next;
    this.memoryInUse = memoryInUse;
    this.nanoClock = nanoClock;
    this.gc = gc;
    this.checkIntervalNanos = config.checkInterval.toNanos();
    this.minGcSoftNanos = config.minGcIntervalWhenSoftLimited.toNanos();
    this.minGcHardNanos = config.minGcIntervalWhenHardLimited.toNanos();
    long hard;
    long spike;
    if (config.limitMib > 0) {
      hard = config.limitMib * MIB;
      spike = config.spikeLimitMib * MIB;
    } else {
      hard = config.limitPercentage * totalMemory / 100;
      spike = config.spikeLimitPercentage * totalMemory / 100;
    }
    if (spike == 0) {
      spike = hard / 5;
    }
    this.hardLimit = hard;
    this.softLimit = hard - spike;
    log.info("Memory limiter \"{}\" configured: limit_mib={}, spike_limit_mib={}, check_interval={}",
        settings.id(), hard / MIB, spike / MIB, GoDuration.format(config.checkInterval));
    if (hard > totalMemory) {
      log.warn("Memory limiter \"{}\": the hard limit ({} MiB) is above the JVM's maximum heap ({} MiB),"
          + " so the JVM may run out of memory before data is refused; raise -Xmx or lower limit_mib",
          settings.id(), hard / MIB, totalMemory / MIB);
    }
  }

  /** Heap in use outside eden, plus direct buffers in use, in bytes. */
  static long jvmMemoryInUse() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && !pool.getName().contains("Eden")) {
        used += pool.getUsage().getUsed();
      }
    }
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        used += pool.getMemoryUsed();
      }
    }
    return used;
  }

  long hardLimit() {
    return hardLimit;
  }

  long softLimit() {
    return softLimit;
  }

  boolean isRefusing() {
    return refusing;
  }

  @Override
  public void start(Host host) {
    synchronized (lock) {
      if (scheduler != null || shutDown) {
        return;
      }
      scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memory-limiter-" + settings.id());
        t.setDaemon(true);
        return t;
      });
      scheduler.scheduleAtFixedRate(this::checkSafely, checkIntervalNanos, checkIntervalNanos,
          TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    if (refusing) {
      settings.telemetry().add(REFUSED_SPANS, "processor", settings.id().toString(), traces.spanCount());
      return CompletableFuture.failedFuture(
          PipelineException.overCapacity("data refused due to high memory usage"));
    }
    return next.consume(traces);
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task and freeze the current state.
      log.warn("Memory limiter \"{}\": measuring memory failed", settings.id(), e);
    }
  }

  /** Measures once and updates whether data is refused, forcing a collection when due. */
  void check() {
    synchronized (lock) {
      long used = memoryInUse.getAsLong();
      log.debug("Memory limiter \"{}\": {} MiB in use", settings.id(), used / MIB);
      if (used < softLimit) {
        if (refusing) {
          log.info("Memory limiter \"{}\": memory usage back within limits ({} MiB). Resuming normal operation.",
              settings.id(), used / MIB);
        }
        refusing = false;
        return;
      }
      boolean hard = used >= hardLimit;
      if (!gcDone || nanoClock.getAsLong() - lastGcNanos > (hard ? minGcHardNanos : minGcSoftNanos)) {
        log.info("Memory limiter \"{}\": memory usage is above the {} limit ({} MiB). Forcing a GC.",
            settings.id(), hard ? "hard" : "soft", used / MIB);
        gc.run();
        gcDone = true;
        lastGcNanos = nanoClock.getAsLong();
        used = memoryInUse.getAsLong();
        log.info("Memory limiter \"{}\": memory usage after GC: {} MiB", settings.id(), used / MIB);
      }
      boolean above = used >= softLimit;
      if (above && !refusing) {
        log.warn("Memory limiter \"{}\": memory usage is above the soft limit ({} MiB). Refusing data.",
            settings.id(), used / MIB);
      }
      refusing = above;
    }
  }

  @Override
  public void shutdown() {
    synchronized (lock) {
      shutDown = true;
      if (scheduler != null) {
        scheduler.shutdownNow();
        scheduler = null;
      }
    }
  }
}
