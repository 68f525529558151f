package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** Comparing two traces, the service map and the services overview, in Chromium. */
class UiCompareAndMapIT extends UiSession {
  static final String SLOW = "5b8efff798038103d269b633813fc601";
  static final String FAST = "5b8efff798038103d269b633813fc602";


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data);
    long now = System.currentTimeMillis() * 1_000_000L;
    server.send(Checkout.slow(SLOW, now - 240_000_000_000L));
    server.send(Checkout.fast(FAST, now - 120_000_000_000L));
    server.awaitTrace(SLOW);
    server.awaitTrace(FAST);
    browser = new Browser(profile);
  }

  List<String> names(String change) {
    return browser.all("#compare-table tr.cmp-row[data-change='" + change + "']").stream()
        .map(r -> r.getAttribute("data-name")).collect(Collectors.toList());
  }

  @Test
  void comparingShowsMissingAddedSlowerAndFasterSpans() throws Exception {
    browser.open(server.url("/compare?a=" + SLOW + "&b=" + FAST));
    assertThat(names("missing")).containsExactly("reserve stock");
    assertThat(names("added")).containsExactly("cache lookup");
    assertThat(names("faster")).containsExactly("GET /checkout", "POST /orders", "SELECT orders");
    assertThat(names("same")).containsExactly("auth.verify", "charge card", "fraud check");
    assertThat(names("slower")).isEmpty();
    WebElement query = browser.find("#compare-table tr.cmp-row[data-name='SELECT orders']");
    assertThat(query.findElements(By.cssSelector("td")).stream().map(WebElement::getText).collect(Collectors.toList()))
        .containsSubsequence("800ms", "200ms", "-600ms");
    browser.screenshot("compare");

    browser.open(server.url("/compare?a=" + FAST + "&b=" + SLOW));
    assertThat(names("slower")).containsExactly("GET /checkout", "POST /orders", "SELECT orders");
    browser.find("#only-differences").click();
    assertThat(browser.all("#compare-table tr.cmp-row[data-change='same']")).isEmpty();
  }

  @Test
  void theServiceMapShowsCallsAndAServicesOperations() throws Exception {
    browser.open(server.url("/map?lookback=1h"));
    List<String> nodes = browser.all("#service-map g.node").stream().map(n -> n.getAttribute("data-service")).collect(Collectors.toList());
    assertThat(nodes).containsExactlyInAnyOrder("frontend", "checkout", "postgres", "payment");
    List<String> edges = browser.all("#service-map g.edge").stream()
        .map(e -> e.getAttribute("data-parent") + ">" + e.getAttribute("data-child") + "=" + e.getAttribute("data-calls"))
        .collect(Collectors.toList());
    assertThat(edges).containsExactlyInAnyOrder("frontend>checkout=2", "checkout>postgres=2", "checkout>payment=2");
    assertThat(browser.find("#service-map g.edge[data-child='postgres'] text").getText()).isEqualTo("2 calls · 0% errors");
    // One of the two card charges failed.
    assertThat(browser.find("#service-map g.edge[data-child='payment'] text").getText()).isEqualTo("2 calls · 50% errors");
    browser.find("#service-map g.node[data-service='checkout']").click();
    browser.until(d -> !d.findElements(By.cssSelector("#map-operations tr.map-op")).isEmpty());
    List<String> ops = browser.all("#map-operations tr.map-op td:first-child a").stream().map(WebElement::getText).collect(Collectors.toList());
    assertThat(ops).containsExactlyInAnyOrder("POST /orders", "reserve stock", "cache lookup");
    browser.screenshot("map");
  }

  @Test
  void theServicesOverviewShowsRateErrorsAndDurations() throws Exception {
    browser.open(server.url("/services?lookback=1h"));
    WebElement payment = browser.find("#red-table tr.op-row[data-service='payment'][data-operation='charge card']");
    List<String> cells = payment.findElements(By.cssSelector("td")).stream().map(WebElement::getText).collect(Collectors.toList());
    // Name, calls, errors, error rate, rate, p50, p95, p99: one of the two card charges failed, both took 200 ms.
    assertThat(cells.get(0)).isEqualTo("charge card");
    assertThat(cells.subList(1, 4)).containsExactly("2", "1", "50%");
    assertThat(cells.get(5)).isEqualTo("200ms");
    WebElement frontend = browser.find("#red-table tr.op-row[data-service='frontend'][data-operation='GET /checkout']");
    assertThat(frontend.findElements(By.cssSelector("td")).get(7).getText()).isEqualTo("1s");
    assertThat(frontend.findElement(By.linkText("slowest")).getAttribute("href"))
        .contains("/search?service=frontend&operation=GET+%2Fcheckout").contains("order=slowest");
    frontend.findElement(By.linkText("slowest")).click();
    browser.until(d -> d.getCurrentUrl().contains("/search?"));
    browser.awaitReady();
    assertThat(browser.all("#trace-list li.trace-item").get(0).getAttribute("data-trace-id")).isEqualTo(SLOW);
    browser.screenshot("services");
  }
}
