package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The whole journey in one command, against the sandboxes only (a demo never spends real
 * money nor buys a real number): a fresh embedded database, the fake providers, the local API
 * on a free port, and a new organisation that tops up, searches, provisions an inbound and an
 * outbound number, lists them, releases the inbound one, lists again and reads its statement.
 * Every step is printed in plain words with its HTTP exchange; a step that fails says so, and
 * the steps that depend on it are skipped.
 */
final class Demo {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Settings that would make a run use a real service: the demo drops them. */
  private static final List<String> REAL_SETTINGS = List.of("DATABASE_URL", "TWILIO_MASTER_ACCOUNT_SID",
      "TWILIO_MASTER_AUTH_TOKEN", "TWILIO_API_BASE_URL", "VAPI_API_KEY", "VAPI_API_BASE_URL", "STRIPE_API_KEY",
      "STRIPE_API_BASE_URL", "STRIPE_WEBHOOK_SECRET", "ENCRYPTION_KEY");

  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String token;
  private final List<String> failed = new ArrayList<>();
  private int step;
  private int worked;

  private Demo(PrintStream out, String baseUrl, String token) {
    this.out = out;
    this.baseUrl = baseUrl;
    this.token = token;
  }

  static int run(RunOptions options, PrintStream out) {
    Map<String, String> env = new LinkedHashMap<>(options.processEnvironment());
    REAL_SETTINGS.forEach(env::remove);
    // with real AWS credentials a <NAME>_SECRET_ID counts as giving <NAME>: drop those too
    env.keySet().removeIf(name -> name.endsWith("_SECRET_ID"));
    Path data;
    try {
      data = Files.createTempDirectory("switchboard-demo");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the demo database", e);
    }
    RunOptions demo = new RunOptions(options.projectDirectory(), options.template(), Optional.empty(),
        options.parameterOverrides(), data, true, env);
    out.println("The demo runs against the sandboxes only: nothing real is bought or charged.");
    try (LocalRun run = LocalRun.start(demo, false, Sandboxes.all(), out);
         ApiServer api = ApiServer.start(run, "127.0.0.1", 0, new PrintStream(java.io.OutputStream.nullOutputStream()))) {
      UUID org = DemoOrganization.seedNew(run.services().jdbcUrl(), "Demo " + java.time.Instant.now());
      String claim = run.pool("ListNumbersFunction").map(p -> p.environment().get("ORG_ID_CLAIM"))
          .filter(c -> c != null && !c.isBlank()).orElse("org_id");
      out.println();
      out.println("A new organisation " + org + " with an inbound and an outbound agent; wallet £0.00.");
      out.println("The local API is on " + api.baseUrl() + "; function logs go to stderr.");
      Demo d = new Demo(out, api.baseUrl(), DevJwt.forOrg(run.devKey(), org, claim, java.time.Instant.now()));
      d.journey(api.payer(), org);
      return d.summary();
    } finally {
      LocalServicesFiles.deleteQuietly(data);
    }
  }

  private void journey(Optional<CheckoutPayer> payer, UUID org) {
    // 1-2: top up £50 through Stripe Checkout
    Optional<JsonNode> session = call("Top up £50.00: the wallet asks Stripe for a Checkout session",
        "POST", "/wallet/top-ups", "{\"amountPence\":5000,\"successUrl\":\"http://localhost:3000/?top-up=paid\","
            + "\"cancelUrl\":\"http://localhost:3000/?top-up=cancelled\"}", Map.of(), 201);
    Optional<String> sessionId = session.map(s -> s.path("sessionId").asText(null));
    if (sessionId.isEmpty() || payer.isEmpty()) {
      skip("The customer pays; Stripe delivers checkout.session.completed", "there is no Checkout session to pay");
    } else {
      pay(payer.get(), sessionId.get());
    }
    call("The wallet now holds the top-up", "GET", "/wallet", null, Map.of(), 200);

    // 3-6: numbers
    call("Search available US numbers in area code 415", "GET",
        "/phone-numbers/available?country=US&numberType=local&areaCode=415&limit=3", null, Map.of(), 200);
    Optional<JsonNode> inbound = call("Provision an inbound number (£10.00 from the wallet; Twilio buys, Vapi imports)",
        "POST", "/phone-numbers", "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"inbound\"}",
        Map.of("Idempotency-Key", "demo-inbound-" + org), 201);
    call("Provision an outbound number (the outbound agent's caller id)", "POST", "/phone-numbers",
        "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"outbound\"}",
        Map.of("Idempotency-Key", "demo-outbound-" + org), 201);
    call("List the numbers: the agent dropdown shows both", "GET", "/phone-numbers", null, Map.of(), 200);
    Optional<String> inboundId = inbound.map(n -> n.path("id").asText(null));
    if (inboundId.isEmpty()) {
      skip("Release the inbound number", "no inbound number was provisioned");
    } else {
      call("Release the inbound number (Vapi, then Twilio)", "DELETE", "/phone-numbers/" + inboundId.get(),
          null, Map.of(), 200);
    }
    call("List again: only the outbound number is left", "GET", "/phone-numbers", null, Map.of(), 200);
    call("The wallet statement: the top-up and the two numbers", "GET", "/wallet", null, Map.of(), 200);
  }

  /** One step: prints the exchange; the answer's JSON when the status is the expected one. */
  private Optional<JsonNode> call(String title, String method, String path, String body,
      Map<String, String> headers, int expected) {
    step++;
    out.println();
    out.println(step + ". " + title);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(90))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    out.println("   > " + method + " " + path);
    if (!path.startsWith("/webhooks/")) {
      request.header("Authorization", "Bearer " + token);
      out.println("   > Authorization: Bearer " + token.substring(0, 16) + "...");
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach((k, v) -> {
      request.header(k, v);
      out.println("   > " + k + ": " + (v.length() > 60 ? v.substring(0, 57) + "..." : v));
    });
    if (body != null) {
      printJson("   > ", body);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return fail(title, "no answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(title, "interrupted");
    }
    out.println("   < " + response.statusCode());
    printJson("   < ", response.body());
    if (response.statusCode() != expected) {
      return fail(title, "expected " + expected + ", got " + response.statusCode());
    }
    worked++;
    try {
      return Optional.ofNullable(JSON.readTree(response.body()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The customer pays in the sandbox; Stripe's signed event reaches the webhook. */
  private void pay(CheckoutPayer payer, String sessionId) {
    step++;
    String title = "The customer pays; Stripe delivers a signed checkout.session.completed to the webhook";
    out.println();
    out.println(step + ". " + title);
    CheckoutPayer.Delivery delivery = payer.pay(sessionId);
    out.println("   > POST /webhooks/stripe");
    out.println("   > Stripe-Signature: " + delivery.signature().substring(0, 57) + "...");
    printJson("   > ", delivery.event());
    out.println("   < " + delivery.status());
    printJson("   < ", delivery.answer());
    if (delivery.status() != 200) {
      fail(title, "expected 200, got " + delivery.status());
    } else {
      worked++;
    }
  }

  private void skip(String title, String why) {
    step++;
    out.println();
    out.println(step + ". " + title);
    out.println("   SKIPPED: " + why);
    failed.add(step + ". " + title + " (skipped: " + why + ")");
  }

  private Optional<JsonNode> fail(String title, String why) {
    out.println("   FAILED: " + why);
    failed.add(step + ". " + title + " (" + why + ")");
    return Optional.empty();
  }

  private void printJson(String prefix, String text) {
    if (text == null || text.isBlank()) {
      return;
    }
    String shown;
    try {
      shown = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(text));
    } catch (IOException e) {
      shown = text;
    }
    String[] lines = shown.split("\n");
    int max = 40; // a Stripe event is long: its first lines say what it is
    for (int i = 0; i < Math.min(lines.length, max); i++) {
      out.println(prefix + lines[i]);
    }
    if (lines.length > max) {
      out.println(prefix + "... (" + (lines.length - max) + " more lines)");
    }
  }

  private int summary() {
    out.println();
    if (failed.isEmpty()) {
      out.println("Demo complete: all " + step + " steps worked.");
      return Main.OK;
    }
    out.println("Demo: " + worked + " of " + step + " steps worked. Failed or skipped:");
    failed.forEach(f -> out.println("  " + f));
    return Main.FAILED;
  }
}
