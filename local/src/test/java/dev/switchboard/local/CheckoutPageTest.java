package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeStripe;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sandbox's Checkout page, as a frontend uses it: {@code POST /wallet/top-ups} on the local
 * API returns a {@code checkoutUrl}, the browser goes there, the customer pays (or cancels) and
 * is sent back to the site. The HTML is checked over HTTP (escaping, expired, paid, cancel,
 * another site's form), and the whole journey in a real headless browser: Debian's chromium
 * driven through chromium-driver by Selenium, skipped with a message where they are not
 * installed (.ci/run installs them). The browser's screenshot of the page is kept in
 * local/target/screenshots/checkout.png.
 */
class CheckoutPageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient(); // follows no redirect
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = LocalTestSupport.PROJECT.resolve("local/target/screenshots");

  @TempDir
  static Path dir;
  private static LocalRun run;
  private static ApiServer api;
  private static TestData db;
  /** The frontend the customer returns to. */
  private static HttpServer site;
  private static String siteUrl;

  @BeforeAll
  static void start() throws Exception {
    site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    site.createContext("/", exchange -> {
      byte[] page = ("<!doctype html><title>Billing</title><h1 id=\"result\">"
          + (exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery())
          + "</h1>").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, page.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(page);
      }
    });
    site.start();
    siteUrl = "http://localhost:" + site.getAddress().getPort();
    RunOptions options = RunOptions.defaults(LocalTestSupport.PROJECT,
        LocalTestSupport.processEnvironment(Map.of("TOP_UP_RETURN_ORIGINS", siteUrl))).withDataDirectory(dir, true);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    run = LocalRun.start(options, true, Sandboxes.all(), quiet);
    api = ApiServer.start(run, "127.0.0.1", 0, quiet);
    db = new TestData(run.services().jdbcUrl());
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
    if (api != null) {
      api.close();
    }
    if (run != null) {
      run.close();
    }
    site.stop(0);
  }

  /** A top-up of {@code pence} for {@code org} through the local API; its session id and checkoutUrl. */
  private static JsonNode topUp(UUID org, long pence) throws Exception {
    String token = DevJwt.forOrg(run.devKey(), org, "org_id", Instant.now());
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api.baseUrl() + "/wallet/top-ups"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"amountPence\":" + pence + ",\"successUrl\":\"" + siteUrl
            + "/billing?topup=paid\",\"cancelUrl\":\"" + siteUrl + "/billing?topup=cancelled\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String origin) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
    if (origin != null) {
      request.header("Origin", origin);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static FakeStripe stripe() {
    return run.services().stripeSandbox().orElseThrow().fake().orElseThrow();
  }

  @Test
  void theCheckoutUrl_isAPageOfTheRunner_showingTheAmountAndTheOrganisation_escaped() throws Exception {
    UUID org = db.organization("<script>alert(\"x\")</script> & Sons' Dental");
    JsonNode session = topUp(org, 4250);
    String url = session.path("checkoutUrl").asText();
    assertEquals(api.baseUrl() + CheckoutPage.PREFIX + session.path("sessionId").asText(), url);

    HttpResponse<String> page = get(url);

    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
    assertTrue(page.headers().firstValue("content-security-policy").orElseThrow().contains("default-src 'none'"));
    assertTrue(page.body().contains("£42.50"), page.body());
    assertTrue(page.body().contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons&#39; Dental ("
        + org + ")"), page.body());
    assertFalse(page.body().contains("<script"), "no markup from the organisation's name");
    assertTrue(page.body().contains("id=\"pay\""), page.body());
  }

  @Test
  void cancel_returnsToTheCancelUrl_andLeavesTheSessionOpen() throws Exception {
    JsonNode session = topUp(DemoOrganization.ORG_ID, 3000);
    String url = session.path("checkoutUrl").asText();

    HttpResponse<String> cancelled = post(url + "/cancel", api.baseUrl());

    assertEquals(303, cancelled.statusCode(), cancelled.body());
    assertEquals(siteUrl + "/billing?topup=cancelled", cancelled.headers().firstValue("location").orElseThrow());
    assertEquals("open", stripe().session(session.path("sessionId").asText()).orElseThrow().get("status"));
    assertTrue(get(url).body().contains("id=\"pay\""), "still payable");
  }

  @Test
  void anExpiredSession_saysSo_andCannotBePaid() throws Exception {
    UUID org = db.organization("Late Payers");
    JsonNode session = topUp(org, 3000);
    String url = session.path("checkoutUrl").asText();
    stripe().expireSession(session.path("sessionId").asText());

    HttpResponse<String> page = get(url);
    assertTrue(page.body().contains("This checkout session has expired"), page.body());
    assertFalse(page.body().contains("id=\"pay\""), page.body());

    HttpResponse<String> paid = post(url + "/pay", null);
    assertEquals(200, paid.statusCode(), paid.body());
    assertTrue(paid.body().contains("has expired"), paid.body());
    assertEquals(0, db.balance(org), "nothing credited");
  }

  @Test
  void aPaidSession_saysSo_andIsNotPaidTwice() throws Exception {
    UUID org = db.organization("Prompt Payers");
    JsonNode session = topUp(org, 2500);
    String url = session.path("checkoutUrl").asText();

    HttpResponse<String> paid = post(url + "/pay", api.baseUrl());
    assertEquals(303, paid.statusCode(), paid.body());
    assertEquals(siteUrl + "/billing?topup=paid", paid.headers().firstValue("location").orElseThrow());
    assertEquals(2500, db.balance(org));

    assertTrue(get(url).body().contains("This checkout session is already paid"), get(url).body());
    HttpResponse<String> again = post(url + "/pay", api.baseUrl());
    assertTrue(again.body().contains("already paid"), again.body());
    assertEquals(2500, db.balance(org), "credited once");
  }

  @Test
  void aFormPostedFromAnotherSite_isRefused() throws Exception {
    UUID org = db.organization("Targets");
    JsonNode session = topUp(org, 2500);

    HttpResponse<String> forged = post(session.path("checkoutUrl").asText() + "/pay", "https://evil.example");

    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals(0, db.balance(org));
    assertEquals("open", stripe().session(session.path("sessionId").asText()).orElseThrow().get("status"));
  }

  @Test
  void anUnknownSession_is404() throws Exception {
    HttpResponse<String> page = get(api.baseUrl() + CheckoutPage.PREFIX + "cs_test_unknown");
    assertEquals(404, page.statusCode());
    assertTrue(page.body().contains("cs_test_unknown"), page.body());
  }

  /** The journey in a real browser: the page, Pay, the site's success page, the wallet credited. */
  @Test
  void inABrowser_payLandsOnTheSuccessUrl_andTheWalletIsCredited() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "skipped: Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
    long before = db.balance(DemoOrganization.ORG_ID);
    JsonNode session = topUp(DemoOrganization.ORG_ID, 5000);

    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=800,900", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    WebDriver browser = new ChromeDriver(service, options);
    try {
      browser.get(session.path("checkoutUrl").asText());
      assertEquals("£50.00", browser.findElement(By.id("amount")).getText());
      assertEquals("Demo organisation (" + DemoOrganization.ORG_ID + ")",
          browser.findElement(By.id("organisation")).getText());
      assertEquals("Pay £50.00", browser.findElement(By.id("pay")).getText());
      Files.createDirectories(SCREENSHOTS);
      Files.write(SCREENSHOTS.resolve("checkout.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

      browser.findElement(By.id("pay")).click();

      try {
        new WebDriverWait(browser, Duration.ofSeconds(30))
            .until(ExpectedConditions.urlToBe(siteUrl + "/billing?topup=paid"));
      } catch (org.openqa.selenium.TimeoutException e) {
        throw new AssertionError("not on the success page: " + browser.getCurrentUrl() + "\n" + browser.getPageSource(), e);
      }
      assertEquals("topup=paid", browser.findElement(By.id("result")).getText());
      Files.write(SCREENSHOTS.resolve("checkout-paid.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
    assertEquals(before + 5000, db.balance(DemoOrganization.ORG_ID), "the webhook credited the wallet");
    assertEquals("complete", stripe().session(session.path("sessionId").asText()).orElseThrow().get("status"));
  }
}
