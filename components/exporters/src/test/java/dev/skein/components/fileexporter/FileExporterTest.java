package dev.skein.components.fileexporter;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterTest {
  @TempDir
  Path dir;

  private final TestSpans spans = new TestSpans(9);

  private TracesExporter exporter(String yaml) throws Exception {
    TracesExporter e = Components.exporter(new FileExporterFactory(), "file", yaml, new Telemetry());
    e.start(Components.host());
    return e;
  }

  private static List<Traces> readJsonLines(Path file) throws Exception {
    List<Traces> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, UTF_8)) {
      out.add(Traces.of(OtlpJson.decode(line.getBytes(UTF_8), TracesData.getDefaultInstance()).getResourceSpansList()));
    }
    return out;
  }

  private static List<Traces> readProto(Path file) throws Exception {
    List<Traces> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in)) {
      while (true) {
        int length;
        try {
          length = data.readInt();
        } catch (EOFException e) {
          return out;
        }
        byte[] message = data.readNBytes(length);
        out.add(Traces.of(TracesData.parseFrom(message).getResourceSpansList()));
      }
    }
  }

  @Test
  void writesOneOtlpJsonLinePerBatchThatDecodesToTheSameSpans() throws Exception {
    Path file = dir.resolve("out/traces.json");
    TracesExporter e = exporter("path: " + file);
    List<Traces> sent = List.of(spans.batch("checkout", 3), spans.batch("payments", 1), spans.batch("orders", 6));

    for (Traces t : sent) {
      assertThat(e.consume(t)).isCompleted();
    }
    // Acknowledged batches are in the file before shutdown.
    assertThat(readJsonLines(file)).containsExactlyElementsOf(sent);
    e.shutdown();

    assertThat(Files.readAllLines(file, UTF_8)).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{\"resourceSpans\":["));
  }

  @Test
  void writesLengthPrefixedProtobuf() throws Exception {
    Path file = dir.resolve("traces.pb");
    TracesExporter e = exporter("path: " + file + "\nformat: proto");
    List<Traces> sent = List.of(spans.batch("a", 2), spans.batch("b", 5));
    sent.forEach(e::consume);
    e.shutdown();

    assertThat(readProto(file)).containsExactlyElementsOf(sent);
  }

  @Test
  void truncatesAnExistingFileUnlessAppendIsSet() throws Exception {
    Path file = dir.resolve("traces.json");
    Traces first = spans.batch("first", 1);
    Traces second = spans.batch("second", 1);
    TracesExporter one = exporter("path: " + file);
    one.consume(first);
    one.shutdown();

    TracesExporter appending = exporter("path: " + file + "\nappend: true");
    appending.consume(second);
    appending.shutdown();
    assertThat(readJsonLines(file)).containsExactly(first, second);

    TracesExporter truncating = exporter("path: " + file);
    truncating.shutdown();
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void rotatesBySizeAndKeepsMaxBackups() throws Exception {
    Path file = dir.resolve("traces.json");
    TracesExporter e = exporter("path: " + file + "\nrotation:\n  max_megabytes: 1\n  max_backups: 2\n");
    List<Traces> sent = new ArrayList<>();
    long written = 0;
    while (written < 5L * 1024 * 1024) {
      Traces t = spans.batch("svc", 200);
      sent.add(t);
      e.consume(t);
      written += OtlpJson.encode(TracesData.newBuilder().addAllResourceSpans(t.resourceSpans())).length + 1;
    }
    e.shutdown();

    List<Path> backups;
    try (Stream<Path> files = Files.list(dir)) {
      backups = files.filter(p -> p.getFileName().toString().matches(
          "traces-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}\\.json")).sorted().toList();
    }
    assertThat(backups).hasSize(2);
    for (Path p : backups) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(1024 * 1024);
    }
    // The newest files hold the last batches, in order, without a gap.
    List<Traces> kept = new ArrayList<>();
    for (Path p : backups) {
      kept.addAll(readJsonLines(p));
    }
    kept.addAll(readJsonLines(file));
    assertThat(kept).isNotEmpty();
    assertThat(kept).containsExactlyElementsOf(sent.subList(sent.size() - kept.size(), sent.size()));
  }

  @Test
  void removesBackupsOlderThanMaxDays() throws Exception {
    Path file = dir.resolve("traces.json");
    Path ancient = dir.resolve("traces-2001-02-03T04-05-06.789.json");
    Path unrelated = dir.resolve("traces-notes.json");
    Files.writeString(ancient, "{}\n");
    Files.writeString(unrelated, "keep me\n");
    TracesExporter e = exporter("path: " + file + "\nrotation:\n  max_megabytes: 1\n  max_days: 30\n");
    long written = 0;
    while (written < 2L * 1024 * 1024) {
      Traces t = spans.batch("svc", 200);
      e.consume(t);
      written += OtlpJson.encode(TracesData.newBuilder().addAllResourceSpans(t.resourceSpans())).length;
    }
    e.shutdown();

    assertThat(ancient).doesNotExist();
    assertThat(unrelated).exists();
  }

  @Test
  void refusesBatchesAfterShutdownAsRetryable() throws Exception {
    TracesExporter e = exporter("path: " + dir.resolve("t.json"));
    e.shutdown();
    e.shutdown();
    assertThat(e.consume(spans.batch("a", 1))).isCompletedExceptionally();
  }

  @Test
  void validatesItsSettings() throws Exception {
    FileExporterFactory f = new FileExporterFactory();
    assertThat(Components.problems(f, "format: xml\ncompression: zstd\nflush_interval: 0s\n"
        + "rotation:\n  max_megabytes: 0\n  max_backups: -1\n"))
        .containsExactly("path: missing (expected: the file to write to)",
            "format: \"xml\" (expected: json or proto)",
            "compression: \"zstd\" (expected: empty or none; Skein does not compress files)",
            "flush_interval: 0s (expected: > 0)",
            "rotation::max_megabytes: 0 (expected: > 0)",
            "rotation::max_backups: -1 (expected: >= 0, where 0 keeps every file)");
    FileExporterConfig c = (FileExporterConfig) Components.validConfig(f, "path: x.json\nrotation:\n");
    assertThat(c.rotation).isNotNull();
    assertThat(c.rotation.maxMegabytes).isEqualTo(100);
    assertThat(c.rotation.maxBackups).isEqualTo(100);
  }
}
