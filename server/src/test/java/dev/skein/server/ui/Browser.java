package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver, with a fresh profile. Before any
 * page script runs, every document gets hooks that record calls of {@code alert}, {@code confirm}
 * and {@code prompt} in {@code window.__alerts} and what the Content-Security-Policy blocked in
 * {@code window.__csp}; the XSS payloads set {@code window.__xss}.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(30);

  private static final String HOOKS = String.join("\n",
      "window.__alerts = [];",
      "window.__csp = [];",
      "document.addEventListener('securitypolicyviolation',",
      "  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));",
      "for (const name of ['alert', 'confirm', 'prompt', 'print']) {",
      "  window[name] = function (m) { window.__alerts.push(name + ': ' + String(m)); return name === 'confirm' ? false : null; };",
      "}");

  final ChromeDriver driver;
  final WebDriverWait wait;

  Browser(Path profile) {
    // A browser test that cannot run must fail, never be skipped.
    assertThat(Files.isExecutable(CHROMIUM))
        .as("%s is missing: install Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver;"
            + " ./skein test does it)", CHROMIUM).isTrue();
    assertThat(Files.isExecutable(CHROMEDRIVER))
        .as("%s is missing: apt-get install -y chromium-driver", CHROMEDRIVER).isTrue();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
        "--disable-dev-shm-usage", "--window-size=1280,800", "--user-data-dir=" + profile.toAbsolutePath());
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    driver = new ChromeDriver(service, options);
    // --window-size counts the window's frame; the page itself should be 1280 x 800.
    driver.get("about:blank");
    long dw = ((Number) js("return window.outerWidth - window.innerWidth")).longValue();
    long dh = ((Number) js("return window.outerHeight - window.innerHeight")).longValue();
    driver.manage().window().setSize(new Dimension((int) (1280 + dw), (int) (800 + dh)));
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", HOOKS));
    wait = new WebDriverWait(driver, WAIT);
  }

  /** Opens a URL and waits until the UI says the page is rendered. */
  void open(String url) {
    driver.get(url);
    awaitReady();
  }

  void awaitReady() {
    wait.until(d -> "true".equals(js("return document.getElementById('main') && document.getElementById('main').dataset.ready")));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  <T> T until(Function<WebDriver, T> condition) {
    return wait.until(condition);
  }

  WebElement find(String css) {
    return wait.until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return found.isEmpty() ? null : found.get(0);
    });
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Saves a PNG of the window under target/ui-screenshots. */
  void screenshot(String name) throws Exception {
    Path dir = Path.of(System.getProperty("basedir", "."), "target", "ui-screenshots");
    Files.createDirectories(dir);
    File png = driver.getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** What page scripts passed to alert and its kin, and whether a payload set window.__xss. */
  List<?> alerts() {
    Object a = js("return window.__alerts || []");
    return (List<?>) a;
  }

  /** What the Content-Security-Policy blocked on this page: nothing, unless the UI broke its own rules. */
  List<?> cspViolations() {
    return (List<?>) js("return window.__csp || []");
  }

  Object xssFlag() {
    return js("return window.__xss === undefined ? null : String(window.__xss)");
  }

  @Override
  public void close() {
    driver.quit();
  }
}
