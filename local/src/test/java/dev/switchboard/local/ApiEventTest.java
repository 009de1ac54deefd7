package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.EmbeddedDatabase;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start-api's side of API Gateway, on the test template: the events it builds and the answers it maps. */
class ApiEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static String TOKEN;

  @TempDir
  static Path dir;
  private static LocalRun run;
  private static ApiServer api;

  @BeforeAll
  static void start() {
    RunOptions options = new RunOptions(LocalTestSupport.PROJECT, TemplateModelTest.TEST_TEMPLATE, Optional.empty(),
        Map.of(), dir, false, LocalTestSupport.processEnvironment(
            Map.of("DATABASE_URL", EmbeddedDatabase.shared().freshDatabase())));
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    run = LocalRun.start(options, false, Sandboxes.all(), quiet);
    api = ApiServer.start(run, "127.0.0.1", 0, quiet);
    TOKEN = DevJwt.forOrg(run.devKey(), UUID.fromString("22222222-2222-4222-8222-222222222222"), "org_id",
        java.time.Instant.now());
  }

  @AfterAll
  static void stop() {
    api.close();
    run.close();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(api.baseUrl() + pathAndQuery));
  }

  @Test
  void aFunctionSlowerThanApiGatewayWaits_is503ForTheClient_whileTheFunctionRunsOnToItsEnd() throws Exception {
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    Path release = dir.resolve("release-the-slow-request");
    try (ApiServer gateway = ApiServer.start(run, "127.0.0.1", 0,
        new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8), java.time.Duration.ofMillis(700))) {
      // the function cannot finish before the file exists: the 503 came while it was still running
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
              URI.create(gateway.baseUrl() + "/items/slow?waitFor=" + release))
          .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());

      assertEquals(503, response.statusCode(), response.body());
      assertEquals("{\"message\":\"Service Unavailable\"}", response.body(), "API Gateway's body, not ours");
      assertFalse(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("finished after"));
      Files.createFile(release);
      // then it runs on to its end (bounded only against a hang)
      Await.until("the function finished", Duration.ofMinutes(2),
          () -> log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("finished after"));
      assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8)
          .contains("HttpEchoFunction finished after"), log.toString(java.nio.charset.StandardCharsets.UTF_8));
      assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("RESULT"), "it ran to its end");
    }
  }

  @Test
  void aGet_becomesAPayload2Event_withPathQueryHeadersCookiesAndClaims() throws Exception {
    HttpResponse<String> response = send(request("/items/it%20em-1?limit=5&tag=a&tag=b&q=x%26y")
        .header("Authorization", "Bearer " + TOKEN)
        .header("X-Custom-Header", "Mixed-Case")
        .header("Cookie", "a=1; b=2"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("yes", response.headers().firstValue("x-echo").orElseThrow(), "the handler's headers come back");
    JsonNode seen = JSON.readTree(response.body());
    assertEquals("2.0", seen.path("version").asText());
    assertEquals("GET /items/{id}", seen.path("routeKey").asText());
    assertEquals("/items/it%20em-1", seen.path("rawPath").asText());
    assertEquals("limit=5&tag=a&tag=b&q=x%26y", seen.path("rawQueryString").asText());
    assertEquals("it em-1", seen.path("pathParameters").path("id").asText());
    assertEquals("5", seen.path("queryStringParameters").path("limit").asText());
    assertEquals("a,b", seen.path("queryStringParameters").path("tag").asText(), "repeated names joined");
    assertEquals("x&y", seen.path("queryStringParameters").path("q").asText());
    assertEquals("Mixed-Case", seen.path("headers").path("x-custom-header").asText(), "names lower-cased");
    assertFalse(seen.path("headers").has("cookie"), "cookies move to their own field");
    assertEquals("[\"a=1\",\"b=2\"]", seen.path("cookies").toString());
    assertEquals("GET", seen.path("method").asText());
    assertEquals("22222222-2222-4222-8222-222222222222", seen.path("claims").path("org_id").asText());
    assertEquals("local-developer", seen.path("claims").path("sub").asText());
    assertFalse(seen.path("requestId").asText().isEmpty());
    assertTrue(seen.path("time").asText().matches("\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000"));
  }

  @Test
  void aJsonBody_arrivesAsText_andABinaryBody_asBase64() throws Exception {
    JsonNode text = JSON.readTree(send(request("/items").header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"été\"}"))).body());
    byte[] bytes = {0, 1, 2, (byte) 0xff};
    JsonNode binary = JSON.readTree(send(request("/items").header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))).body());

    assertEquals("{\"name\":\"été\"}", text.path("body").asText());
    assertFalse(text.path("isBase64Encoded").asBoolean());
    assertEquals(Base64.getEncoder().encodeToString(bytes), binary.path("body").asText());
    assertTrue(binary.path("isBase64Encoded").asBoolean());
  }

  @Test
  void anAuthorizedRoute_withoutABearerToken_is401_andTheFunctionNeverRuns() throws Exception {
    HttpResponse<String> none = send(request("/items/1"));
    HttpResponse<String> garbage = send(request("/items/1").header("Authorization", "Bearer not-a-jwt"));
    HttpResponse<String> unsigned = send(request("/items/1").header("Authorization", "Bearer "
        + dev.switchboard.testing.fake.FakeIssuer.unsigned(Map.of("iss", DevJwt.ISSUER, "aud", DevJwt.AUDIENCE,
            "org_id", "22222222-2222-4222-8222-222222222222", "exp", 4102444800L))));

    assertEquals(401, none.statusCode());
    assertEquals("{\"message\":\"Unauthorized\"}", none.body());
    assertEquals(401, garbage.statusCode());
    assertEquals(401, unsigned.statusCode(), "alg none");
  }

  @Test
  void aRouteWithAuthorizerNone_needsNoToken_andPassesNoClaims() throws Exception {
    HttpResponse<String> response = send(request("/hooks/stripe").POST(HttpRequest.BodyPublishers.ofString("x")));

    assertEquals(202, response.statusCode(), "the handler's own status");
    JsonNode seen = JSON.readTree(response.body());
    assertTrue(seen.path("claims").isNull());
    assertEquals("stripe", seen.path("pathParameters").path("name").asText());
  }

  @Test
  void anUnknownRouteOrMethod_is404_asApiGatewayAnswers() throws Exception {
    assertEquals(404, send(request("/nothing-here").header("Authorization", "Bearer " + TOKEN)).statusCode());
    assertEquals(404, send(request("/items/1").header("Authorization", "Bearer " + TOKEN)
        .DELETE()).statusCode());
  }

  @Test
  void aHandlerThatThrows_is500_withApiGatewaysBody() throws Exception {
    HttpResponse<String> response = send(request("/fail").header("Authorization", "Bearer " + TOKEN));

    assertEquals(500, response.statusCode());
    assertEquals("{\"message\":\"Internal Server Error\"}", response.body(), "no stack trace reaches the client");
  }
}
