package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/** The trace page in Chromium: the waterfall, the critical path, errors and the span details. */
class UiTraceIT extends UiSession {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data);
    server.send(Checkout.slow(TRACE, System.currentTimeMillis() * 1_000_000L - 300_000_000_000L));
    Traces linked = new Traces(Checkout.LINKED, System.currentTimeMillis() * 1_000_000L - 600_000_000_000L);
    linked.span("checkout", Checkout.A, null, "warm cache", SpanKind.SPAN_KIND_INTERNAL, 0, 50);
    server.send(linked.request());
    server.awaitTrace(TRACE);
    server.awaitTrace(Checkout.LINKED);
    browser = new Browser(profile);
  }

  List<String> rowIds(String css) {
    return browser.all("#waterfall-body .row" + css).stream().map(r -> r.getAttribute("data-span-id")).collect(Collectors.toList());
  }

  WebElement row(String spanId) {
    return browser.find("#waterfall-body .row[data-span-id='" + spanId + "']");
  }

  @Test
  void theWaterfallShowsSpansInTreeOrderWithTheirDurations() throws Exception {
    browser.open(server.url("/trace/" + TRACE));
    assertThat(rowIds("")).containsExactlyElementsOf(Checkout.ORDER);
    Map<String, String> durations = Map.of(Checkout.A, "1s", Checkout.B, "20ms", Checkout.C, "950ms", Checkout.D, "45ms",
        Checkout.E, "800ms", Checkout.F, "200ms", Checkout.G, "80ms");
    durations.forEach((id, text) -> assertThat(row(id).findElement(By.cssSelector(".dur")).getText()).as(id).isEqualTo(text));
    assertThat(row(Checkout.E).findElement(By.cssSelector(".svc")).getText()).isEqualTo("postgres");
    assertThat(row(Checkout.E).findElement(By.cssSelector(".op")).getText()).isEqualTo("SELECT orders");
    assertThat(browser.find("#trace-duration").getText()).isEqualTo("1s");
    assertThat(browser.find("#trace-span-count").getText()).isEqualTo("7");
    assertThat(row(Checkout.D).getAttribute("data-depth")).isEqualTo("2");
    browser.screenshot("trace");
  }

  @Test
  void theCriticalPathAndTheErrorsAreMarked() {
    browser.open(server.url("/trace/" + TRACE));
    assertThat(rowIds(".critical")).containsExactlyElementsOf(Checkout.CRITICAL);
    assertThat(rowIds(".error")).containsExactly(Checkout.F);
    assertThat(rowIds(".error-below")).containsExactly(Checkout.A, Checkout.C);
    assertThat(row(Checkout.F).findElements(By.cssSelector(".err-icon.own"))).hasSize(1);
    assertThat(row(Checkout.A).findElements(By.cssSelector(".err-icon.below"))).hasSize(1);
    assertThat(row(Checkout.E).findElements(By.cssSelector(".bar .cp"))).isNotEmpty();
    assertThat(row(Checkout.F).findElements(By.cssSelector(".bar .cp"))).isEmpty();
  }

  @Test
  void aSpansDetailsShowItsAttributesStatusAndException() throws Exception {
    browser.open(server.url("/trace/" + TRACE));
    row(Checkout.E).findElement(By.cssSelector(".op")).click();
    WebElement detail = browser.find("#span-detail:not([hidden])");
    assertThat(detail.findElement(By.cssSelector("table.attributes tr[data-key='db.statement'] td")).getText())
        .isEqualTo("SELECT * FROM orders WHERE customer_id = $1");
    assertThat(detail.findElement(By.cssSelector("table.resource tr[data-key='service.name'] td")).getText()).isEqualTo("postgres");
    assertThat(detail.findElement(By.cssSelector("table.scope tr[data-key='Name'] td")).getText()).isEqualTo("dev.skein.test");

    row(Checkout.F).findElement(By.cssSelector(".op")).click();
    browser.until(d -> d.getCurrentUrl().endsWith("?span=" + Checkout.F));
    detail = browser.find("#span-detail:not([hidden])");
    assertThat(detail.findElement(By.id("span-status")).getText()).contains("Error").contains("card declined");
    assertThat(detail.findElement(By.cssSelector("table.attributes tr[data-key='payment.provider'] td")).getText()).isEqualTo("acme");
    assertThat(detail.findElement(By.cssSelector(".exception-type")).getText()).isEqualTo("com.example.pay.CardDeclinedException");
    assertThat(detail.findElement(By.cssSelector(".exception-message")).getText()).contains("card declined");
    WebElement stack = detail.findElement(By.cssSelector("pre.stack"));
    assertThat(stack.getText()).contains("com.example.pay.CardDeclinedException: card declined",
        "at com.example.pay.Client.charge(Client.java:42)", "Caused by: java.net.SocketTimeoutException: Read timed out");
    assertThat(stack.findElements(By.cssSelector(".frame"))).hasSize(3);
    browser.screenshot("trace-span-detail");
  }

  @Test
  void aDeepLinkOpensTheSpan() {
    browser.open(server.url("/trace/" + TRACE + "?span=" + Checkout.E));
    assertThat(row(Checkout.E).getAttribute("class")).contains("selected");
    assertThat(browser.find("#span-detail:not([hidden]) .op-name").getText()).isEqualTo("SELECT orders");
    String link = browser.find("#span-link").getAttribute("href");
    assertThat(link).isEqualTo(server.url("/trace/" + TRACE + "?span=" + Checkout.E));
  }

  @Test
  void linksToStoredTracesCanBeFollowed() {
    browser.open(server.url("/trace/" + TRACE + "?span=" + Checkout.E));
    WebElement links = browser.find("#span-detail details[data-section='links']");
    WebElement stored = browser.until(d -> {
      List<WebElement> a = links.findElements(By.cssSelector("a.stored-link"));
      return a.isEmpty() ? null : a.get(0);
    });
    assertThat(stored.getAttribute("href")).isEqualTo(server.url("/trace/" + Checkout.LINKED + "?span=" + Checkout.A));
    browser.until(d -> links.getText().contains(Checkout.UNSTORED + " / " + Checkout.A + " (not stored)"));
    assertThat(links.findElement(By.cssSelector("table.link-attributes tr[data-key='link.reason'] td")).getText())
        .isEqualTo("cache warm-up");
    stored.click();
    browser.until(d -> d.getCurrentUrl().contains("/trace/" + Checkout.LINKED));
    browser.awaitReady();
    assertThat(browser.find("#span-detail:not([hidden]) .op-name").getText()).isEqualTo("warm cache");
  }

  @Test
  void searchingInTheTraceHighlightsMatches() {
    browser.open(server.url("/trace/" + TRACE));
    browser.find("#trace-search").sendKeys("postgres");
    browser.until(d -> !rowIds(".match").isEmpty());
    assertThat(rowIds(".match")).containsExactly(Checkout.E);
    assertThat(rowIds(".dim")).hasSize(6);
    assertThat(browser.find("#trace-search-count").getText()).isEqualTo("1 match");
    browser.find("#trace-search").sendKeys(Keys.ENTER);
    browser.until(d -> !d.findElements(By.cssSelector("#span-detail:not([hidden])")).isEmpty());
    // An attribute value matches too.
    browser.find("#trace-search").clear();
    browser.find("#trace-search").sendKeys("acme");
    browser.until(d -> rowIds(".match").equals(List.of(Checkout.F)));
  }

  @Test
  void collapsingASpanHidesItsDescendants() {
    browser.open(server.url("/trace/" + TRACE));
    row(Checkout.C).findElement(By.cssSelector(".tog")).click();
    browser.until(d -> rowIds("").size() == 3);
    assertThat(rowIds("")).containsExactly(Checkout.A, Checkout.B, Checkout.C);
    assertThat(row(Checkout.C).findElement(By.cssSelector(".hidden-count")).getText()).isEqualTo("+4");
    browser.find("#expand-all").click();
    browser.until(d -> rowIds("").size() == 7);
  }

  @Test
  void theStatisticsViewSumsSelfTimeByServiceAndOperation() throws Exception {
    browser.open(server.url("/trace/" + TRACE));
    browser.find("#tab-statistics").click();
    WebElement stats = browser.find("#statistics:not([hidden])");
    List<WebElement> rows = stats.findElements(By.cssSelector("table.stats"));
    assertThat(rows).hasSize(2);
    String byService = rows.get(0).getText();
    assertThat(byService.lines().skip(1).findFirst().orElse("")).startsWith("postgres 1 0 800ms 800ms");
    browser.screenshot("trace-statistics");
  }

  @Test
  void theJsonDownloadIsTheTraceAsOtlp() throws Exception {
    Path downloads = Files.createTempDirectory(data, "downloads");
    browser.driver.executeCdpCommand("Browser.setDownloadBehavior",
        Map.of("behavior", "allow", "downloadPath", downloads.toAbsolutePath().toString()));
    browser.open(server.url("/trace/" + TRACE));
    WebElement a = browser.find("#download-json");
    assertThat(a.getAttribute("download")).isEqualTo("trace-" + TRACE + ".json");
    a.click();
    Path file = downloads.resolve("trace-" + TRACE + ".json");
    browser.until(d -> Files.exists(file) ? file : null);
    byte[] bytes = browser.until(d -> {
      try {
        byte[] b = Files.readAllBytes(file);
        return b.length > 0 && b[b.length - 1] == '}' ? b : null;
      } catch (IOException e) {
        return null;
      }
    });
    JsonNode json = new ObjectMapper().readTree(bytes);
    int spans = 0;
    for (JsonNode rs : json.at("/result/resourceSpans")) {
      for (JsonNode ss : rs.get("scopeSpans")) {
        spans += ss.get("spans").size();
      }
    }
    assertThat(spans).isEqualTo(7);
  }

  @Test
  void theMinimapSelectsATimeWindow() {
    browser.open(server.url("/trace/" + TRACE));
    WebElement mm = browser.find("#minimap");
    int w = mm.getRect().getWidth();
    new Actions(browser.driver).moveToElement(mm, 0, 0).clickAndHold().moveByOffset(w / 2 - 2, 0).release().perform();
    browser.until(d -> d.findElement(By.id("reset-zoom")).isEnabled());
    String first = browser.all(".wf-head .tick-label").get(0).getText();
    assertThat(first).endsWith("ms").isNotEqualTo("0ns");
    browser.find("#reset-zoom").click();
    browser.until(d -> d.findElements(By.cssSelector(".wf-head .tick-label")).get(0).getText().equals("0ns"));
  }

  @Test
  void darkModeCanBeSwitchedOn() throws Exception {
    browser.open(server.url("/trace/" + TRACE + "?span=" + Checkout.F));
    String before = (String) browser.js("return getComputedStyle(document.body).backgroundColor");
    browser.find("#theme-toggle").click();
    browser.until(d -> !before.equals(browser.js("return getComputedStyle(document.body).backgroundColor")));
    browser.screenshot("trace-dark");
    browser.find("#theme-toggle").click();
  }
}
