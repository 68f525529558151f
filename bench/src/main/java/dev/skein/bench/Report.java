package dev.skein.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of one {@code ./skein bench} run: Markdown for people (sections, tables, and a table
 * of the targets, each marked met or missed) and CSV for tools (one measured value a row:
 * suite, scenario, metric, value, unit).
 */
final class Report {
  /** One target from the issue and whether this run met it; {@code met} is null when not measured. */
  record Target(String name, String goal, String measured, Boolean met) {}

  private final List<String> header = new ArrayList<>();
  private final StringBuilder body = new StringBuilder();
  private final List<String> csv = new ArrayList<>(List.of("suite,scenario,metric,value,unit"));
  private final List<Target> targets = new ArrayList<>();

  /** Lines that go before the targets (what was run, where, when). */
  void header(String markdown) {
    header.add(markdown);
  }

  void section(String title) {
    body.append("\n## ").append(title).append("\n\n");
  }

  void subsection(String title) {
    body.append("\n### ").append(title).append("\n\n");
  }

  void paragraph(String markdown) {
    body.append(markdown).append("\n\n");
  }

  void table(List<String> columns, List<List<String>> rows) {
    body.append("| ").append(String.join(" | ", columns)).append(" |\n");
    body.append("|").append(" --- |".repeat(columns.size())).append("\n");
    for (List<String> row : rows) {
      body.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    body.append("\n");
  }

  void metric(String suite, String scenario, String metric, double value, String unit) {
    csv.add(String.join(",", quote(suite), quote(scenario), quote(metric),
        Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.6g", value), quote(unit)));
  }

  void target(String name, String goal, String measured, Boolean met) {
    targets.add(new Target(name, goal, measured, met));
  }

  List<Target> targets() {
    return List.copyOf(targets);
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    header.forEach(h -> out.append(h).append("\n\n"));
    if (!targets.isEmpty()) {
      out.append("## Targets (issue 9 and the search issue)\n\n");
      out.append("| target | goal | measured | verdict |\n| --- | --- | --- | --- |\n");
      for (Target t : targets) {
        String verdict = t.met() == null ? "not measured" : t.met() ? "met" : "**MISSED**";
        out.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
            .append(" | ").append(verdict).append(" |\n");
      }
    }
    return out.append(body).toString();
  }

  void write(Path markdownFile, Path csvFile) throws IOException {
    Files.createDirectories(markdownFile.toAbsolutePath().getParent());
    Files.writeString(markdownFile, markdown(), StandardCharsets.UTF_8);
    Files.write(csvFile, csv, StandardCharsets.UTF_8);
  }

  static String quote(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  static String fmt(double v, int decimals) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }

  static String mib(long bytes) {
    return fmt(bytes / (1024.0 * 1024.0), 0) + " MiB";
  }
}
