package dev.skein.server.ui;

import static dev.skein.server.ui.Traces.attr;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The views that read server-side analytics, in Chromium: the services overview and the service
 * map from RED metrics, the trace page's explanation, and BubbleUp from the search's scatter plot.
 */
class UiAnalyticsIT extends UiSession {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long MINUTE = 60_000_000_000L;

  /** storefront GET /cart calls ledger debit; every fourth cart and every third debit fail. */
  static final int CARTS = 12;
  static final int HEALTH_CHECKS = 5;

  /** The explained trace: api GET /orders whose orders-db query took 800 ms instead of about 10 ms. */
  static final String SLOW_ORDER = "0e0000000000000000000000000000ff";
  static final String SLOW_QUERY_SPAN = "d0000000000000ff";
  static final int USUAL_ORDERS = 20;

  /** web GET /home: slow requests are all from the free tier, fast ones mostly from the paid tier. */
  static final List<String> SLOW_FREE = new ArrayList<>();
  static final List<String> FAST_FREE = new ArrayList<>();
  static final List<String> FAST_PAID = new ArrayList<>();

  /** Traces whose storefront GET /cart span failed. */
  static final Set<String> FAILED_CARTS = new LinkedHashSet<>();


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data);
    long now = System.currentTimeMillis() * 1_000_000L;
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < CARTS; i++) {
      String id = String.format("0c%030x", i + 1);
      Traces t = new Traces(id, now - (30 - i) * MINUTE);
      var cart = t.span("storefront", "c000000000000001", null, "GET /cart", SpanKind.SPAN_KIND_SERVER, 0, 100);
      if (i % 4 == 0) {
        cart.setStatus(Traces.error("cart unavailable"));
        FAILED_CARTS.add(id);
      }
      var debit = t.span("ledger", "c000000000000002", "c000000000000001", "debit", SpanKind.SPAN_KIND_SERVER, 20, 80);
      if (i % 3 == 0) {
        debit.setStatus(Traces.error("insufficient funds"));
      }
      server.send(t.request());
      sent.add(id);
    }
    for (int i = 0; i < HEALTH_CHECKS; i++) {
      String id = String.format("0d%030x", i + 1);
      Traces t = new Traces(id, now - (29 - i) * MINUTE);
      t.span("storefront", "d000000000000001", null, "GET /health", SpanKind.SPAN_KIND_SERVER, 0, 5);
      server.send(t.request());
      sent.add(id);
    }
    for (int i = 0; i <= USUAL_ORDERS; i++) {
      boolean slow = i == USUAL_ORDERS;
      String id = slow ? SLOW_ORDER : String.format("0e%030x", i + 1);
      Traces t = new Traces(id, now - (40 - i) * MINUTE);
      double query = slow ? 800 : 8 + i % 5;
      t.span("api", "a0000000000000ff", null, "GET /orders", SpanKind.SPAN_KIND_SERVER, 0, query + 12);
      t.span("orders-db", slow ? SLOW_QUERY_SPAN : "d000000000000001", "a0000000000000ff", "SELECT orders", SpanKind.SPAN_KIND_CLIENT,
          5, 5 + query).addAttributes(attr("db.system", "postgresql"));
      server.send(t.request());
      sent.add(id);
    }
    for (int i = 0; i < 22; i++) {
      String id = String.format("0f%030x", i + 1);
      boolean slow = i % 4 == 1 && SLOW_FREE.size() < 6;
      String tier = slow || i % 4 == 2 ? "free" : "paid";
      (slow ? SLOW_FREE : "free".equals(tier) ? FAST_FREE : FAST_PAID).add(id);
      Traces t = new Traces(id, now - (25 - i) * MINUTE);
      t.span("web", "b000000000000001", null, "GET /home", SpanKind.SPAN_KIND_SERVER, 0, slow ? 700 + 30 * i : 20 + i)
          .addAttributes(attr("user.tier", tier)).addAttributes(attr("region", "eu-west"));
      server.send(t.request());
      sent.add(id);
    }
    for (String id : sent) {
      server.awaitTrace(id);
    }
    browser = new Browser(profile);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = UiServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.url(path))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  List<String> cells(WebElement row) {
    return row.findElements(By.cssSelector("td")).stream().map(WebElement::getText).collect(Collectors.toList());
  }

  /** Calls and errors of one row of the overview, as the page shows them. */
  List<String> callsAndErrors(String css) {
    List<String> c = cells(browser.find("#red-table " + css));
    return List.of(c.get(1), c.get(2));
  }

  @Test
  void theServicesOverviewShowsTheCallsAndErrorsThatWereSent() throws Exception {
    browser.open(server.url("/services?lookback=1h"));
    int cartErrors = (CARTS + 3) / 4;
    assertThat(callsAndErrors("tr.svc-row[data-service='storefront']"))
        .containsExactly(String.valueOf(CARTS + HEALTH_CHECKS), String.valueOf(cartErrors));
    assertThat(callsAndErrors("tr.op-row[data-service='storefront'][data-operation='GET /cart']"))
        .containsExactly(String.valueOf(CARTS), String.valueOf(cartErrors));
    assertThat(callsAndErrors("tr.op-row[data-service='storefront'][data-operation='GET /health']"))
        .containsExactly(String.valueOf(HEALTH_CHECKS), "0");
    assertThat(callsAndErrors("tr.svc-row[data-service='ledger']")).containsExactly(String.valueOf(CARTS), String.valueOf((CARTS + 2) / 3));
    List<String> cart = cells(browser.find("#red-table tr.op-row[data-service='storefront'][data-operation='GET /cart']"));
    // Every cart request took 100 ms; every health check 5 ms.
    assertThat(cart.subList(3, 8)).containsExactly("25%", cart.get(4), "100ms", "100ms", "100ms");
    assertThat(cells(browser.find("#red-table tr.op-row[data-operation='GET /health']")).subList(5, 8))
        .containsExactly("5ms", "5ms", "5ms");
    browser.screenshot("services-red");

    // The same numbers as the API's, for the service and each of its operations.
    long end = System.currentTimeMillis() * 1000L;
    JsonNode red = get("/api/skein/red?groupBy=operation&service=storefront&start=" + (end - 3_600_000_000L) + "&end=" + end);
    Map<String, List<String>> api = new HashMap<>();
    for (JsonNode g : red.get("groups")) {
      api.put(g.get("operation").asText(), List.of(g.get("totals").get("calls").asText(), g.get("totals").get("errors").asText()));
    }
    assertThat(api).containsOnlyKeys("GET /cart", "GET /health");
    for (Map.Entry<String, List<String>> e : api.entrySet()) {
      assertThat(callsAndErrors("tr.op-row[data-service='storefront'][data-operation='" + e.getKey() + "']"))
          .as("the overview's row for %s", e.getKey()).isEqualTo(e.getValue());
    }

    // A service's own page lists its operations; the errors link searches the failed requests.
    browser.find("#red-table tr.svc-row[data-service='storefront'] td a").click();
    browser.until(d -> d.getCurrentUrl().contains("/services?service=storefront"));
    browser.awaitReady();
    assertThat(browser.all("#red-table tr.svc-row").stream().map(r -> r.getAttribute("data-service")).collect(Collectors.toList()))
        .containsExactly("storefront");
    assertThat(browser.all("#red-table tr.op-row").stream().map(r -> r.getAttribute("data-operation")).collect(Collectors.toList()))
        .containsExactly("GET /cart", "GET /health");
    browser.find("#red-table tr.op-row[data-operation='GET /cart'] a.example-errors").click();
    browser.until(d -> d.getCurrentUrl().contains("/search?"));
    browser.awaitReady();
    assertThat(browser.find("#search-tags").getAttribute("value")).isEqualTo("error=true");
    assertThat(browser.find("#search-service").getAttribute("value")).isEqualTo("storefront");
    List<String> found = browser.all("#trace-list li.trace-item").stream().map(e -> e.getAttribute("data-trace-id")).collect(Collectors.toList());
    assertThat(found).containsExactlyInAnyOrderElementsOf(FAILED_CARTS);
  }

  @Test
  void theServiceMapShowsCallsAndErrorRatesOfEdgesAndServices() throws Exception {
    browser.open(server.url("/map?lookback=1h"));
    int debitErrors = (CARTS + 2) / 3;
    WebElement edge = browser.find("#service-map g.edge[data-parent='storefront'][data-child='ledger']");
    assertThat(edge.getAttribute("data-calls")).isEqualTo(String.valueOf(CARTS));
    assertThat(edge.getAttribute("data-errors")).isEqualTo(String.valueOf(debitErrors));
    assertThat(edge.findElement(By.cssSelector("text")).getText()).isEqualTo(CARTS + " calls · 33.3% errors");
    WebElement ledger = browser.find("#service-map g.node[data-service='ledger']");
    assertThat(ledger.getAttribute("data-calls")).isEqualTo(String.valueOf(CARTS));
    assertThat(ledger.getAttribute("data-errors")).isEqualTo(String.valueOf(debitErrors));
    assertThat(ledger.findElement(By.cssSelector(".node-sub")).getText()).isEqualTo(CARTS + " calls · 33.3% errors");
    browser.find("#service-map g.node[data-service='storefront']").click();
    browser.find("#map-operations tr.map-op");
    Map<String, String> ops = new HashMap<>();
    for (WebElement row : browser.all("#map-operations tr.map-op")) {
      List<String> c = cells(row);
      ops.put(c.get(0), c.get(1) + " / " + c.get(2));
    }
    assertThat(ops).containsOnly(Map.entry("GET /cart", CARTS + " / 25%"), Map.entry("GET /health", HEALTH_CHECKS + " / 0%"));
    browser.screenshot("map-red");
  }

  @Test
  void theExplainPanelNamesTheSlowQueryAndLinksToItsSpan() throws Exception {
    browser.open(server.url("/trace/" + SLOW_ORDER));
    WebElement toggle = browser.find("#explain-toggle");
    assertThat(toggle.getText()).isEqualTo("Why slow?");
    if (!browser.find("#explain").isDisplayed()) {
      toggle.click();
    }
    WebElement first = browser.find("#explain-causes li.cause");
    assertThat(first.getAttribute("data-service")).isEqualTo("orders-db");
    assertThat(first.getAttribute("data-operation")).isEqualTo("SELECT orders");
    assertThat(first.getAttribute("data-span-id")).isEqualTo(SLOW_QUERY_SPAN);
    assertThat(first.getText()).contains("orders-db").contains("SELECT orders");
    browser.screenshot("explain");

    first.findElement(By.cssSelector("a.cause-link")).click();
    browser.until(d -> d.getCurrentUrl().endsWith("?span=" + SLOW_QUERY_SPAN));
    assertThat(browser.find("#span-detail:not([hidden]) .op-name").getText()).isEqualTo("SELECT orders");
    assertThat(browser.find("#waterfall-body .row.selected").getAttribute("data-span-id")).isEqualTo(SLOW_QUERY_SPAN);
    // The span's usual durations, from the other orders' queries (8 to 12 ms).
    String usual = browser.find("#span-detail table.baseline tr[data-key='Usual duration'] td").getText();
    assertThat(usual).startsWith("p50 ").contains(" · p99 ");
    assertThat(browser.find("#span-detail table.baseline tr[data-key='Percentile rank'] td").getText()).startsWith("slower than ");
    browser.screenshot("explain-span");
  }

  @Test
  void bubbleUpFromTheScatterPlotFindsTheFreeTierAndFiltersTheSearch() throws Exception {
    browser.open(server.url("/search?service=web&operation=" + q("GET /home") + "&lookback=1h&limit=50"));
    assertThat(browser.all("#scatter circle.dot")).hasSize(SLOW_FREE.size() + FAST_FREE.size() + FAST_PAID.size());
    // Drag a rectangle over the slow dots: from above the plot's left end to between the slow and the fast dots.
    WebElement plot = browser.find("#scatter svg.scatter-svg");
    double slowLowest = 0;
    for (String id : SLOW_FREE) {
      slowLowest = Math.max(slowLowest, Double.parseDouble(browser.find("#scatter circle.dot[data-trace-id='" + id + "']").getAttribute("cy")));
    }
    double fastHighest = Double.MAX_VALUE;
    for (String id : FAST_FREE) {
      fastHighest = Math.min(fastHighest, Double.parseDouble(browser.find("#scatter circle.dot[data-trace-id='" + id + "']").getAttribute("cy")));
    }
    int width = plot.getSize().getWidth();
    int height = plot.getSize().getHeight();
    int fromX = 2 - width / 2;
    int fromY = 2 - height / 2;
    int toX = width - 2 - width / 2;
    int toY = (int) Math.round((slowLowest + fastHighest) / 2) - height / 2;
    new Actions(browser.driver).moveToElement(plot, fromX, fromY).clickAndHold().moveToElement(plot, (fromX + toX) / 2, (fromY + toY) / 2)
        .moveToElement(plot, toX, toY).release().perform();
    browser.until(d -> d.getCurrentUrl().contains("/bubbleup?"));
    browser.awaitReady();
    assertThat(browser.find("#bu-min").getAttribute("value")).endsWith("ms");
    WebElement top = browser.find("#bubbleup-attributes li.bu-attr");
    assertThat(top.getAttribute("data-key")).isEqualTo("user.tier");
    assertThat(top.getAttribute("data-value")).isEqualTo("free");
    assertThat(top.findElement(By.cssSelector(".bu-bar.sel")).getText()).isEqualTo("selection 100%");
    assertThat(top.findElement(By.cssSelector(".bu-bar.base")).getText())
        .isEqualTo("baseline " + percent(FAST_FREE.size(), FAST_FREE.size() + FAST_PAID.size()));
    assertThat(browser.find("#bu-counts").getText()).contains(SLOW_FREE.size() + " spans selected")
        .contains((FAST_FREE.size() + FAST_PAID.size()) + " spans in the baseline");
    browser.screenshot("bubbleup");

    // The shared URL shows the same comparison.
    String shared = browser.driver.getCurrentUrl();
    browser.open(shared);
    assertThat(browser.find("#bubbleup-attributes li.bu-attr").getAttribute("data-value")).isEqualTo("free");

    browser.find("#bubbleup-attributes li.bu-attr button.bu-filter").click();
    browser.until(d -> d.getCurrentUrl().contains("/search?"));
    browser.awaitReady();
    assertThat(browser.find("#search-tags").getAttribute("value")).isEqualTo("user.tier=free");
    List<String> found = browser.all("#trace-list li.trace-item").stream().map(e -> e.getAttribute("data-trace-id")).collect(Collectors.toList());
    List<String> free = new ArrayList<>(SLOW_FREE);
    free.addAll(FAST_FREE);
    assertThat(found).containsExactlyInAnyOrderElementsOf(free);
  }

  @Test
  void errorsOnlyComparesTheFailedSpans() throws Exception {
    browser.open(server.url("/search?service=ledger&lookback=1h&limit=50"));
    browser.find("#bubbleup-errors").click();
    browser.until(d -> d.getCurrentUrl().contains("/bubbleup?"));
    browser.awaitReady();
    assertThat(browser.find("#bu-errors").isSelected()).isTrue();
    assertThat(browser.find("#bu-counts").getText()).contains((CARTS + 2) / 3 + " spans selected")
        .contains(CARTS - (CARTS + 2) / 3 + " spans in the baseline");
  }

  /** A share as the page writes it. */
  static String percent(int part, int whole) {
    double p = 100.0 * part / whole;
    String s = String.format(java.util.Locale.ROOT, "%.1f", p);
    return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + "%";
  }
}
