package dev.skein.bench;

import java.util.ArrayList;
import java.util.List;

/** One measured load run against one server, as a table row and as CSV metrics. */
record Scenario(String name, LoadGenerator.Result load, Probe probe, long peakRssBytes, double bytesOnDiskPerSpan,
    double otherCores) {

  static final List<String> COLUMNS = List.of("scenario", "clients", "accepted spans/s", "spans/s per core",
      "ack p50 ms", "ack p99 ms", "rejected spans", "retried requests", "server CPU s per 1M spans",
      "of which JIT compiler", "server CPU (cores)", "load generator CPU (cores)", "other processes (cores)", "peak RSS",
      "bytes on disk per span");

  double cpuSecondsPerMillion() {
    return load.acceptedSpans() == 0 ? Double.NaN : probe.serverCpuSeconds() / (load.acceptedSpans() / 1e6);
  }

  /** The part of {@link #cpuSecondsPerMillion} the JIT compiler's threads took. */
  double jitCpuSecondsPerMillion() {
    return load.acceptedSpans() == 0 ? Double.NaN : probe.jitCpuSeconds() / (load.acceptedSpans() / 1e6);
  }

  List<String> row() {
    List<String> r = new ArrayList<>();
    r.add(name);
    r.add(Integer.toString(load.clients()));
    r.add(Report.fmt(load.spansPerSecond(), 0));
    r.add(Report.fmt(load.spansPerSecond() / Machine.cores(), 0));
    r.add(Report.fmt(load.p50Millis(), 1));
    r.add(Report.fmt(load.p99Millis(), 1));
    r.add(Long.toString(load.rejectedSpans()));
    r.add(Long.toString(load.retriedRequests()));
    r.add(Report.fmt(cpuSecondsPerMillion(), 1));
    r.add(Report.fmt(jitCpuSecondsPerMillion(), 1));
    r.add(Report.fmt(probe.serverCpuSeconds() / probe.seconds(), 2));
    r.add(Report.fmt(probe.generatorCpuSeconds() / probe.seconds(), 2));
    r.add(Report.fmt(otherCores, 2));
    r.add(peakRssBytes > 0 ? Report.mib(peakRssBytes) : "n/a");
    r.add(Double.isNaN(bytesOnDiskPerSpan) ? "n/a" : Report.fmt(bytesOnDiskPerSpan, 0));
    return r;
  }

  void record(Report report, String suite) {
    report.metric(suite, name, "accepted_spans_per_second", load.spansPerSecond(), "spans/s");
    report.metric(suite, name, "ack_latency_p50", load.p50Millis(), "ms");
    report.metric(suite, name, "ack_latency_p99", load.p99Millis(), "ms");
    report.metric(suite, name, "rejected_spans", load.rejectedSpans(), "spans");
    report.metric(suite, name, "retried_requests", load.retriedRequests(), "requests");
    report.metric(suite, name, "failed_requests", load.failedRequests(), "requests");
    report.metric(suite, name, "server_cpu_seconds_per_million_spans", cpuSecondsPerMillion(), "s");
    report.metric(suite, name, "jit_compiler_cpu_seconds_per_million_spans", jitCpuSecondsPerMillion(), "s");
    report.metric(suite, name, "server_cpu_cores", probe.serverCpuSeconds() / probe.seconds(), "cores");
    report.metric(suite, name, "generator_cpu_cores", probe.generatorCpuSeconds() / probe.seconds(), "cores");
    report.metric(suite, name, "other_processes_cpu_cores", otherCores, "cores");
    if (peakRssBytes > 0) {
      report.metric(suite, name, "peak_rss", peakRssBytes / (1024.0 * 1024.0), "MiB");
    }
    if (!Double.isNaN(bytesOnDiskPerSpan)) {
      report.metric(suite, name, "bytes_on_disk_per_span", bytesOnDiskPerSpan, "bytes");
    }
  }
}
