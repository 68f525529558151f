package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir
  Path dir;

  @Test
  void missedTargetsAreSaidPlainlyAndMetricsGoToCsv() throws Exception {
    Report r = new Report();
    r.header("# Results");
    r.target("ingest", "≥ 100,000 spans/s", "20,000 spans/s", false);
    r.target("durability", "0 lost", "0 lost", true);
    r.target("search", "p50 ≤ 50 ms", "not available", null);
    r.section("Ingest");
    r.table(List.of("scenario", "spans/s"), List.of(List.of("OTLP gRPC", "20,000")));
    r.metric("ingest", "OTLP gRPC, 32 clients", "accepted_spans_per_second", 20000, "spans/s");
    r.metric("ingest", "OTLP gRPC", "peak_rss", Double.NaN, "MiB");
    r.write(dir.resolve("r.md"), dir.resolve("r.csv"));

    assertThat(Files.readString(dir.resolve("r.md")))
        .startsWith("# Results")
        .contains("| ingest | ≥ 100,000 spans/s | 20,000 spans/s | **MISSED** |")
        .contains("| durability | 0 lost | 0 lost | met |")
        .contains("| search | p50 ≤ 50 ms | not available | not measured |")
        .contains("## Ingest", "| scenario | spans/s |\n| --- | --- |\n| OTLP gRPC | 20,000 |");
    assertThat(Files.readAllLines(dir.resolve("r.csv"))).containsExactly(
        "suite,scenario,metric,value,unit",
        "ingest,\"OTLP gRPC, 32 clients\",accepted_spans_per_second,20000.0,spans/s",
        "ingest,OTLP gRPC,peak_rss,,MiB");
  }
}
