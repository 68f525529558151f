package dev.skein.server.ui;

import static dev.skein.server.ui.Traces.attr;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Span data is rendered as text: a corpus of XSS payloads as service names, span names, attribute
 * keys and values, event names, status messages, exception fields and scope names runs nothing on
 * any page (the explanation's causes and error origin and BubbleUp's attributes included) and puts
 * no element or handler of its own into the document.
 */
class UiXssIT extends UiSession {
  static final String TRACE = "00000000000000000000000000005505";
  static final String SECOND = "00000000000000000000000000005506";

  /** Elements and attributes the payloads would create if the UI parsed them as HTML. */
  static final String INJECTED = String.join("\n",
      "const bad = [];",
      "for (const el of document.querySelectorAll('*')) {",
      "  for (const a of el.attributes) {",
      "    if (/^on/i.test(a.name)) bad.push(el.tagName + ' ' + a.name);",
      "    if (/^(href|src|action|formaction|xlink:href|data|srcdoc|background)$/i.test(a.name)",
      "        && /^\\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);",
      "  }",
      "}",
      "for (const el of document.querySelectorAll('script:not([src]), iframe, object, embed, frame, frameset, base, "
          + "meta[http-equiv], style, link:not([rel=icon]):not([rel=stylesheet]), template, noscript:not(main noscript)')) {",
      "  bad.push('element ' + el.tagName);",
      "}",
      "return bad;");

  static List<String> payloads;

  @BeforeAll
  static void start() throws Exception {
    try (InputStream in = UiXssIT.class.getResourceAsStream("/ui/xss-payloads.txt")) {
      payloads = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isEmpty() && !l.startsWith("# ")).collect(Collectors.toList());
    }
    assertThat(payloads).hasSizeGreaterThanOrEqualTo(200).doesNotHaveDuplicates();
    server = new UiServer(data);
    long now = System.currentTimeMillis() * 1_000_000L - 120_000_000_000L;
    int n = payloads.size();
    Traces t = new Traces(TRACE, now);
    for (int i = 0; i < n; i++) {
      String parent = i == 0 ? null : spanId((i - 1) / 2);
      Span.Builder s = t.span(p(i), spanId(i), parent, p(i + 1), i % 2 == 0 ? SpanKind.SPAN_KIND_SERVER : SpanKind.SPAN_KIND_CLIENT,
          i * 0.5, 400 - i * 0.5);
      s.addAttributes(attr(p(i + 2), p(i + 3)))
          .addAttributes(attr("payload", p(i)))
          .addEvents(Traces.event(t.nanos(i * 0.5 + 0.1), p(i + 4), attr(p(i + 5), p(i + 6))))
          .addLinks(Span.Link.newBuilder().setTraceId(com.google.protobuf.ByteString.fromHex(SECOND))
              .setSpanId(com.google.protobuf.ByteString.fromHex(spanId(0))).addAttributes(attr(p(i + 7), p(i + 8))));
      if (i % 3 == 0) {
        s.setStatus(Traces.error(p(i + 9)))
            .addEvents(Traces.event(t.nanos(i * 0.5 + 0.2), "exception", attr("exception.type", p(i + 10)),
                attr("exception.message", p(i + 11)), attr("exception.stacktrace", p(i + 12) + "\n\tat " + p(i + 13))));
      }
    }
    server.send(t.request());
    Traces second = new Traces(SECOND, now + 1_000_000_000L);
    for (int i = 0; i < 20; i++) {
      second.span(p(n - 1 - i), spanId(i), i == 0 ? null : spanId(i - 1), p(i * 7), SpanKind.SPAN_KIND_SERVER, i, 100 - i)
          .addAttributes(attr(p(i * 3), p(i * 5)));
    }
    server.send(second.request());
    server.awaitTrace(TRACE);
    server.awaitTrace(SECOND);
    browser = new Browser(profile);
  }

  static String p(int i) {
    return payloads.get(i % payloads.size());
  }

  static String spanId(int i) {
    return String.format("%016x", i + 1);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void assertNothingRan(String where) {
    assertThat(browser.xssFlag()).as("window.__xss on %s", where).isNull();
    assertThat(browser.alerts()).as("alert, confirm, prompt or print on %s", where).isEmpty();
    assertThat(browser.cspViolations()).as("what the Content-Security-Policy had to block on %s", where).isEmpty();
    @SuppressWarnings("unchecked")
    List<String> bad = (List<String>) browser.js(INJECTED);
    assertThat(bad).as("injected markup on %s", where).isEmpty();
    assertThat(browser.driver.findElements(By.cssSelector(".notice.error")).stream().map(WebElement::getText)
        .filter(text -> text.startsWith("Something went wrong")).collect(Collectors.toList())).as("script errors on %s", where).isEmpty();
  }

  @Test
  void theTracePageRendersEverySpanAsText() throws Exception {
    browser.open(server.url("/trace/" + TRACE));
    assertNothingRan("the waterfall");
    // Select every span in turn, as the arrow keys do, so that each detail panel is rendered.
    @SuppressWarnings("unchecked")
    List<String> shown = (List<String>) browser.js(String.join("\n",
        "const body = document.getElementById('waterfall-body');",
        "body.querySelector('.row .op').click();",
        "const names = [document.querySelector('#span-detail .op-name').textContent];",
        "for (let i = 1; i < arguments[0]; i++) {",
        "  body.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));",
        "  names.push(document.querySelector('#span-detail .op-name').textContent);",
        "}",
        "return names;"), payloads.size());
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < payloads.size(); i++) {
      expected.add(p(i + 1));
    }
    assertThat(new HashSet<>(shown)).isEqualTo(expected);
    assertNothingRan("every span's details");
    browser.screenshot("xss-trace");

    // The rows of the whole waterfall, scrolled through.
    browser.js("const b = document.getElementById('waterfall-body'); for (let y = 0; y < b.scrollHeight; y += 300) {"
        + " b.scrollTop = y; b.dispatchEvent(new Event('scroll')); }");
    assertNothingRan("the scrolled waterfall");

    WebElement search = browser.find("#trace-search");
    for (int i = 0; i < 5; i++) {
      search.clear();
      search.sendKeys(p(i * 40));
    }
    browser.find("#tab-statistics").click();
    browser.find("#statistics:not([hidden]) table.stats");
    assertNothingRan("in-trace search and statistics");
  }

  @Test
  void theSearchPageRendersServiceAndSpanNamesAsText() throws Exception {
    browser.open(server.url("/search"));
    assertThat(browser.all("#search-service option")).hasSizeGreaterThan(payloads.size());
    assertThat(browser.all("#trace-list li.trace-item")).hasSize(2);
    assertNothingRan("the search page");
    browser.screenshot("xss-search");
    for (int i = 0; i < payloads.size(); i += 23) {
      browser.open(server.url("/search?service=" + q(p(i)) + "&operation=" + q(p(i + 1)) + "&tags=" + q(p(i + 2))));
      assertNothingRan("a search for service " + p(i));
      browser.open(server.url("/search?q=" + q(p(i)) + "&minDuration=" + q(p(i + 1))));
      assertNothingRan("a TraceQL search " + p(i));
    }
  }

  @Test
  void theExplainPanelRendersCausesAndTheErrorOriginAsText() throws Exception {
    browser.open(server.url("/trace/" + TRACE));
    if (!browser.find("#explain").isDisplayed()) {
      browser.find("#explain-toggle").click();
    }
    // The causes name the spans' services and operations, and the error origin its status and exception.
    WebElement cause = browser.find("#explain-causes li.cause");
    assertThat(payloads).contains(cause.getAttribute("data-service"));
    WebElement origin = browser.find("#explain-error");
    browser.js("for (const d of document.querySelectorAll('#explain details')) d.open = true;");
    assertThat(origin.getText()).contains(browser.find("#explain-error .op-name").getText());
    assertNothingRan("the explain panel");
    browser.screenshot("xss-explain");
    List<WebElement> links = browser.all("#explain-causes a.cause-link");
    for (int i = 0; i < links.size(); i += 3) {
      browser.js("arguments[0].click()", links.get(i));
      browser.until(d -> !d.findElements(By.cssSelector("#span-detail:not([hidden])")).isEmpty());
      assertNothingRan("a cause's span and its baseline");
    }
    browser.js("arguments[0].click()", browser.find("#explain-error a.origin-link"));
    assertNothingRan("the error origin's span");
  }

  @Test
  void theBubbleUpViewRendersAttributeKeysAndValuesAsText() throws Exception {
    long end = System.currentTimeMillis() + 60_000;
    long start = end - 3_600_000;
    browser.open(server.url("/bubbleup?start=" + start + "&end=" + end + "&errorsOnly=true"));
    List<WebElement> attrs = browser.all("#bubbleup-attributes li.bu-attr");
    assertThat(attrs).isNotEmpty();
    assertThat(payloads).contains(attrs.get(0).getAttribute("data-value"));
    assertNothingRan("the BubbleUp view");
    browser.screenshot("xss-bubbleup");
    browser.js("arguments[0].click()", browser.find("#bubbleup-attributes li.bu-attr button.bu-filter"));
    browser.until(d -> d.getCurrentUrl().contains("/search?"));
    browser.awaitReady();
    assertThat(browser.find("#search-tags").getAttribute("value") + browser.find("#search-q").getAttribute("value")).isNotEmpty();
    assertNothingRan("a search for a BubbleUp attribute");
    for (int i = 0; i < payloads.size(); i += 41) {
      browser.open(server.url("/bubbleup?service=" + q(p(i)) + "&operation=" + q(p(i + 1)) + "&tags=" + q(p(i + 2))
          + "&start=" + start + "&end=" + end + "&minDuration=" + q(p(i + 3)) + "&maxDuration=1s"));
      assertNothingRan("a comparison of service " + p(i));
    }
  }

  @Test
  void theOtherPagesRenderNamesAsText() throws Exception {
    browser.open(server.url("/compare?a=" + TRACE + "&b=" + SECOND));
    assertThat(browser.all("#compare-table tr.cmp-row")).hasSizeGreaterThan(payloads.size());
    assertNothingRan("compare");
    browser.open(server.url("/map?lookback=1h"));
    List<WebElement> nodes = browser.all("#service-map g.node");
    assertThat(nodes).hasSizeGreaterThanOrEqualTo(payloads.size());
    for (int i = 0; i < nodes.size(); i += 37) {
      browser.js("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", nodes.get(i));
      browser.until(d -> !d.findElements(By.cssSelector("#map-operations tr.map-op, #map-side .notice, #map-side p.muted")).isEmpty());
      assertNothingRan("the operations of a service on the map");
    }
    browser.open(server.url("/services?lookback=1h"));
    assertThat(browser.all("#red-table tr.svc-row")).hasSizeGreaterThanOrEqualTo(payloads.size() / 2);
    assertNothingRan("services");
    List<String> odd = new ArrayList<>();
    for (String path : List.of("/trace/" + q(p(5)), "/trace/" + q(p(0)) + "?span=" + q(p(1)), "/trace/" + TRACE + "?span=" + q(p(2)),
        "/compare?a=" + q(p(3)) + "&b=" + q(p(4)), "/map?lookback=" + q(p(6)), "/services?service=" + q(p(7)),
        "/bubbleup?start=" + q(p(8)) + "&end=" + q(p(9)) + "&errorsOnly=" + q(p(10)))) {
      browser.open(server.url(path));
      assertNothingRan(path);
      odd.add(path);
    }
    assertThat(odd).hasSize(7);
  }
}
