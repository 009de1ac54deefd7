package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run start-api}, the README's "Try it" journey, Ctrl-C, and the same again on the
 * same data directory: the database remembers the demo org's Twilio subaccount, its token and
 * its numbers, so the sandboxes must remember them too.
 */
class SecondRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir
  Path dir;

  private RunOptions options(boolean fresh) {
    return RunOptions.defaults(LocalTestSupport.PROJECT, LocalTestSupport.processEnvironment(Map.of()))
        .withDataDirectory(dir, fresh);
  }

  @Test
  void theReadmeJourney_worksOnASecondStartApi_asOnTheFirst() throws Exception {
    for (int run = 1; run <= 2; run++) {
      ByteArrayOutputStream firstLines = new ByteArrayOutputStream();
      try (LocalRun local = LocalRun.start(options(false), true, Sandboxes.all(),
               new PrintStream(firstLines, true, StandardCharsets.UTF_8));
           ApiServer api = ApiServer.start(local, "127.0.0.1", 0, QUIET)) {
        Journey journey = new Journey(api, DevJwt.forOrg(local.devKey(), local.services().demoOrganisation().orElseThrow(), "org_id", java.time.Instant.now()));

        long balance = journey.wallet();
        journey.topUp(5_000);
        assertEquals(balance + 5_000, journey.wallet(), "run " + run);
        String id = journey.provision("try-it-" + run);
        assertEquals(balance + 4_000, journey.wallet());
        if (run == 1) {
          // kept at once, not only at Ctrl-C: a run killed now would lose nothing
          String twilio = Files.readString(dir.resolve("sandboxes/twilio.json"));
          String subaccount = new TestDataReader(local.services().jdbcUrl()).subaccountSid();
          assertTrue(twilio.contains(subaccount), "the subaccount is in the kept state");
        }
        assertTrue(journey.listed().contains(id));
        journey.release(id);
        assertFalse(journey.listed().contains(id));

        JsonNode reconciled = JSON.readTree(local.pool("ReconcileFunction").orElseThrow()
            .invoke(UUID.randomUUID().toString(), "{}").text());
        assertEquals(0, reconciled.path("errors").size(), "run " + run + ": " + reconciled);
        String lines = firstLines.toString(StandardCharsets.UTF_8);
        assertTrue(lines.contains(run == 1 ? "starts empty, kept in" : "what earlier runs made there is back"), lines);
      }
    }
  }

  /**
   * A data directory from before the sandboxes kept their state (or one whose sandboxes/ was
   * deleted): the database's subaccount is unknown to the new sandbox, which is the failure
   * the second run used to have. The runner says so, and --fresh starts over.
   */
  @Test
  void aDatabaseWithoutItsSandboxes_isNamedInTheFirstLines_andFreshStartsOver() throws Exception {
    String firstSid;
    try (LocalRun local = LocalRun.start(options(false), true, Sandboxes.all(), QUIET);
         ApiServer api = ApiServer.start(local, "127.0.0.1", 0, QUIET)) {
      Journey journey = new Journey(api, DevJwt.forOrg(local.devKey(), local.services().demoOrganisation().orElseThrow(), "org_id", java.time.Instant.now()));
      journey.topUp(5_000);
      journey.provision("first");
      firstSid = local.pool("ProvisionNumberFunction").orElseThrow().environment().get("TWILIO_MASTER_ACCOUNT_SID");
    }
    LocalServicesFiles.deleteQuietly(dir.resolve(LocalServices.SANDBOXES));

    ByteArrayOutputStream firstLines = new ByteArrayOutputStream();
    try (LocalRun local = LocalRun.start(options(false), true, Sandboxes.all(),
             new PrintStream(firstLines, true, StandardCharsets.UTF_8));
         ApiServer api = ApiServer.start(local, "127.0.0.1", 0, QUIET)) {
      assertTrue(firstLines.toString(StandardCharsets.UTF_8).contains("WARNING   the database in " + dir
          + " knows Twilio subaccounts this new sandbox does not"), firstLines.toString(StandardCharsets.UTF_8));
      Journey journey = new Journey(api, DevJwt.forOrg(local.devKey(), local.services().demoOrganisation().orElseThrow(), "org_id", java.time.Instant.now()));
      JsonNode refused = journey.ok(journey.call("POST", "/phone-numbers", "{\"country\":\"US\",\"numberType\":"
          + "\"local\",\"direction\":\"outbound\"}", "Idempotency-Key", "unknown-subaccount"), 502);
      assertTrue(refused.path("error").path("refunded").asBoolean(), refused.toString());
    }

    try (LocalRun local = LocalRun.start(options(true), true, Sandboxes.all(), QUIET);
         ApiServer api = ApiServer.start(local, "127.0.0.1", 0, QUIET)) {
      assertFalse(firstSid.equals(local.pool("ProvisionNumberFunction").orElseThrow().environment()
          .get("TWILIO_MASTER_ACCOUNT_SID")), "--fresh: new sandboxes");
      Journey journey = new Journey(api, DevJwt.forOrg(local.devKey(), local.services().demoOrganisation().orElseThrow(), "org_id", java.time.Instant.now()));
      assertEquals(0, journey.wallet(), "--fresh: a new database");
      journey.topUp(2_500);
      journey.provision("after-fresh");
    }
  }

  /** The README's curl commands, over HTTP. */
  private record Journey(ApiServer api, String token) {
    HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
          .header("Authorization", "Bearer " + token);
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      for (int i = 0; i < headers.length; i += 2) {
        request.header(headers[i], headers[i + 1]);
      }
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ok(HttpResponse<String> response, int status) throws Exception {
      assertEquals(status, response.statusCode(), response.body());
      return JSON.readTree(response.body());
    }

    long wallet() throws Exception {
      return ok(call("GET", "/wallet", null), 200).path("balancePence").asLong();
    }

    void topUp(long pence) throws Exception {
      String session = ok(call("POST", "/wallet/top-ups", "{\"amountPence\":" + pence + ",\"successUrl\":"
          + "\"http://localhost:3000/paid\",\"cancelUrl\":\"http://localhost:3000/cancelled\"}"), 201)
          .path("sessionId").asText();
      ok(call("POST", "/_local/checkout-sessions/" + session + "/pay", ""), 200);
    }

    String provision(String key) throws Exception {
      ok(call("GET", "/phone-numbers/available?country=US&numberType=local&areaCode=415&limit=3", null), 200);
      return ok(call("POST", "/phone-numbers", "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\","
          + "\"direction\":\"inbound\"}", "Idempotency-Key", key), 201).path("id").asText();
    }

    String listed() throws Exception {
      return ok(call("GET", "/phone-numbers", null), 200).toString();
    }

    void release(String id) throws Exception {
      ok(call("DELETE", "/phone-numbers/" + id, null), 200);
    }
  }

  /** The demo org's subaccount, as the database holds it. */
  private record TestDataReader(String jdbcUrl) {
    String subaccountSid() {
      try (dev.switchboard.testing.TestData db = new dev.switchboard.testing.TestData(jdbcUrl)) {
        return (String) db.row("SELECT account_sid FROM twilio_subaccounts WHERE org_id = ?",
            DemoOrganization.ORG_ID).get("account_sid");
      }
    }
  }
}
