package dev.skein.server.ui;

import static dev.skein.server.ui.Traces.attr;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The search page in Chromium: the form, the URL that holds the query, the list and the scatter plot. */
class UiSearchIT extends UiSession {
  static final List<String> SLOW = List.of("0af7651916cd43dd8448eb211c800001", "0af7651916cd43dd8448eb211c800002",
      "0af7651916cd43dd8448eb211c800003");
  static final List<String> FAST = List.of("0af7651916cd43dd8448eb211c800004", "0af7651916cd43dd8448eb211c800005");
  static final String INVENTORY = "0af7651916cd43dd8448eb211c800006";


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data);
    long now = System.currentTimeMillis() * 1_000_000L;
    long minute = 60_000_000_000L;
    for (int i = 0; i < SLOW.size(); i++) {
      server.send(Checkout.slow(SLOW.get(i), now - (10 - 2 * i) * minute));
    }
    for (int i = 0; i < FAST.size(); i++) {
      server.send(Checkout.fast(FAST.get(i), now - (4 - 2 * i) * minute));
    }
    Traces inventory = new Traces(INVENTORY, now - minute / 2);
    inventory.span("inventory", "0000000000000001", null, "GET /stock", SpanKind.SPAN_KIND_SERVER, 0, 12)
        .addAttributes(attr("http.route", "/stock"));
    server.send(inventory.request());
    for (String id : List.of(SLOW.get(0), SLOW.get(1), SLOW.get(2), FAST.get(0), FAST.get(1), INVENTORY)) {
      server.awaitTrace(id);
    }
    browser = new Browser(profile);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void theFormSearchesAndTheUrlHoldsTheQuery() throws Exception {
    browser.open(server.url("/search"));
    assertThat(resultIds()).hasSize(6);
    browser.screenshot("search");

    new Select(browser.find("#search-service")).selectByVisibleText("frontend");
    browser.until(d -> d.findElements(By.cssSelector("#search-operation option")).size() > 1);
    new Select(browser.find("#search-operation")).selectByVisibleText("GET /checkout");
    browser.find("#search-min").sendKeys("700ms");
    new Select(browser.find("#search-order")).selectByValue("oldest");
    browser.find("#search-submit").click();
    browser.until(d -> d.getCurrentUrl().contains("minDuration=700ms"));
    browser.awaitReady();
    assertThat(browser.driver.getCurrentUrl()).contains("service=frontend", "operation=GET+%2Fcheckout", "order=oldest", "lookback=1h");
    assertThat(resultIds()).containsExactlyElementsOf(SLOW);

    WebElement first = browser.all("#trace-list li.trace-item").get(0);
    assertThat(first.findElement(By.cssSelector(".trace-link")).getText()).isEqualTo("frontend: GET /checkout");
    assertThat(first.findElement(By.cssSelector(".trace-duration")).getText()).isEqualTo("1s");
    assertThat(first.findElement(By.cssSelector(".span-count")).getText()).isEqualTo("7 spans");
    assertThat(first.findElement(By.cssSelector(".badge.error")).getText()).isEqualTo("1 error");
    List<String> chips = first.findElements(By.cssSelector(".chip")).stream()
        .map(c -> c.getText().replaceAll("\\s+", " ")).collect(Collectors.toList());
    assertThat(chips).containsExactlyInAnyOrder("checkout 2", "frontend 2", "payment 2", "postgres 1");
    assertThat(browser.all("#scatter circle.dot")).hasSize(3);
    browser.screenshot("search-results");

    // The same URL, opened fresh, fills the form and finds the same traces.
    String shared = browser.driver.getCurrentUrl();
    browser.open(server.url("/map"));
    browser.open(shared);
    assertThat(new Select(browser.find("#search-service")).getFirstSelectedOption().getText()).isEqualTo("frontend");
    browser.until(d -> "GET /checkout".equals(new Select(d.findElement(By.id("search-operation"))).getFirstSelectedOption().getText()));
    assertThat(browser.find("#search-min").getAttribute("value")).isEqualTo("700ms");
    assertThat(resultIds()).containsExactlyElementsOf(SLOW);
  }

  @Test
  void theOrderCanBeLongestFirst() {
    browser.open(server.url("/search?order=slowest"));
    List<String> ids = resultIds();
    assertThat(ids.subList(0, 3)).containsExactlyInAnyOrderElementsOf(SLOW);
    assertThat(ids.get(ids.size() - 1)).isEqualTo(INVENTORY);
  }

  @Test
  void tagsAndTraceQlNarrowTheSearch() {
    browser.open(server.url("/search?tags=" + q("payment.provider=acme")));
    assertThat(resultIds()).containsExactlyInAnyOrderElementsOf(SLOW);
    browser.open(server.url("/search?q=" + q("{ resource.service.name = \"postgres\" && duration > 500ms }")));
    assertThat(resultIds()).containsExactlyInAnyOrderElementsOf(SLOW);
    // A result opens at the span the query matched.
    assertThat(browser.find("#trace-list li.trace-item .trace-link").getAttribute("href")).endsWith("?span=" + Checkout.E);
    browser.open(server.url("/search?q=" + q("{ nonsense")));
    assertThat(browser.find(".notice.error").getText()).startsWith("Search failed:");
  }

  @Test
  void clickingAPointOfTheScatterPlotOpensTheTrace() {
    browser.open(server.url("/search?service=inventory"));
    browser.find("#scatter circle.dot[data-trace-id='" + INVENTORY + "']").click();
    browser.until(d -> d.getCurrentUrl().endsWith("/trace/" + INVENTORY));
    browser.awaitReady();
    assertThat(browser.find("#waterfall-body .row .op").getText()).isEqualTo("GET /stock");
    browser.driver.navigate().back();
    browser.until(d -> d.getCurrentUrl().contains("/search?service=inventory"));
    browser.awaitReady();
    assertThat(resultIds()).containsExactly(INVENTORY);
  }

  @Test
  void theFindByTraceIdBoxOpensTheTrace() {
    browser.open(server.url("/search"));
    browser.find("#find-trace-id").sendKeys(SLOW.get(1));
    browser.find("#find-trace button").click();
    browser.until(d -> d.getCurrentUrl().endsWith("/trace/" + SLOW.get(1)));
    browser.awaitReady();
    assertThat(browser.find("#trace-id").getText()).isEqualTo(SLOW.get(1));
    browser.find("#find-trace-id").sendKeys("0123456789abcdef0123456789abcdef");
    browser.find("#find-trace button").click();
    browser.awaitReady();
    assertThat(browser.find(".notice.error").getText()).contains("No trace with ID 0123456789abcdef0123456789abcdef");
  }

  @Test
  void twoTicksInTheListOpenTheComparison() {
    browser.open(server.url("/search?service=frontend&order=oldest"));
    List<WebElement> boxes = browser.all("#trace-list input.pick");
    boxes.get(0).click();
    boxes.get(3).click();
    browser.find("#compare-selected").click();
    browser.until(d -> d.getCurrentUrl().contains("/compare?a=" + SLOW.get(0) + "&b=" + FAST.get(0)));
    browser.awaitReady();
    assertThat(browser.find("#compare-table").isDisplayed()).isTrue();
  }
}
