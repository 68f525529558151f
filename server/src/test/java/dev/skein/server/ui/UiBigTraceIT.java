package dev.skein.server.ui;

import static dev.skein.server.ui.Traces.attr;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A trace of 10,000 spans opens and scrolls, with only the visible rows in the document. The time
 * to open it is printed for the benchmark document, not asserted.
 */
class UiBigTraceIT extends UiSession {
  static final String TRACE = "b16b16b16b16b16b16b16b16b16b1600";
  static final int SPANS = 10_000;


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data);
    Traces t = new Traces(TRACE, System.currentTimeMillis() * 1_000_000L - 60_000_000_000L);
    // A ten-way tree four levels deep: a fan-out like a batch job's, in five services.
    for (int i = 0; i < SPANS; i++) {
      int depth = i == 0 ? 0 : i <= 10 ? 1 : i <= 110 ? 2 : i <= 1110 ? 3 : 4;
      double start = i * 0.05;
      t.span("svc-" + (i % 5), spanId(i), i == 0 ? null : spanId((i - 1) / 10), "op-" + (i % 37) + " depth " + depth,
          i % 2 == 0 ? SpanKind.SPAN_KIND_SERVER : SpanKind.SPAN_KIND_CLIENT, start, start + 5 + (SPANS - i) * 0.06)
          .addAttributes(attr("index", i));
    }
    server.send(t.request());
    server.awaitTrace(TRACE);
    browser = new Browser(profile);
  }

  static String spanId(int i) {
    return String.format("%016x", i + 1);
  }

  int rowsInDocument() {
    return ((Number) browser.js("return document.querySelectorAll('#waterfall-body .row').length")).intValue();
  }

  @Test
  void aTenThousandSpanTraceOpensAndScrollsWithFewRowsInTheDocument() throws Exception {
    // A first load warms the browser's module cache, as a returning user has it.
    browser.open(server.url("/search"));
    long t0 = System.nanoTime();
    browser.open(server.url("/trace/" + TRACE));
    browser.until(d -> browser.js("return document.getElementById('main').dataset.renderMs") != null);
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    Object renderMs = browser.js("return document.getElementById('main').dataset.renderMs");
    System.out.printf("UI benchmark: a %,d-span trace opened in %d ms (navigation to rendered waterfall, as the test"
        + " driver saw it); fetching, building and rendering it in the page took %s ms%n", SPANS, wallMs, renderMs);
    assertThat(browser.find("#trace-span-count").getText()).isEqualTo("10,000");
    assertThat(rowsInDocument()).isBetween(10, 200);
    browser.screenshot("trace-10000-spans");

    @SuppressWarnings("unchecked")
    Map<String, Object> frames = (Map<String, Object>) browser.driver.executeAsyncScript(String.join("\n",
        "const done = arguments[arguments.length - 1];",
        "const body = document.getElementById('waterfall-body');",
        "const times = [];",
        "let last = performance.now();",
        "let steps = 0;",
        "function step() {",
        "  const now = performance.now();",
        "  times.push(now - last);",
        "  last = now;",
        "  body.scrollTop += 2000;",
        "  if (++steps < 120) requestAnimationFrame(step);",
        "  else done({mean: times.reduce((a, b) => a + b, 0) / times.length, max: Math.max(...times), top: body.scrollTop});",
        "}",
        "requestAnimationFrame(step);"));
    System.out.printf("UI benchmark: scrolling it 2,000 px per frame for 120 frames: mean frame %.1f ms, longest %.1f ms%n",
        ((Number) frames.get("mean")).doubleValue(), ((Number) frames.get("max")).doubleValue());

    // The last row in tree order: the last child of the last child, all the way down.
    browser.js("const b = document.getElementById('waterfall-body'); b.scrollTop = b.scrollHeight;");
    browser.until(d -> spanId(1110).equals(browser.js(
        "const rows = document.querySelectorAll('#waterfall-body .row'); return rows[rows.length - 1].dataset.spanId")));
    assertThat(rowsInDocument()).isBetween(10, 200);
    browser.screenshot("trace-10000-spans-end");

    browser.find("#collapse-all").click();
    browser.until(d -> rowsInDocument() == 11);
    browser.open(server.url("/trace/" + TRACE + "?span=" + spanId(SPANS / 2)));
    @SuppressWarnings("unchecked")
    List<Object> selected = (List<Object>) browser.js("return [...document.querySelectorAll('#waterfall-body .row.selected')]"
        + ".map(r => r.dataset.spanId)");
    assertThat(selected).containsExactly(spanId(SPANS / 2));
    assertThat(browser.cspViolations()).isEmpty();
  }
}
