package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start-api with {@code AuthorizerMode=lambda}: every route behind the authorizer goes first to
 * the template's AuthorizerFunction, in its own execution environment as in AWS, with the
 * payload 2.0 authorizer event; its context reaches the function. With no real issuer named the
 * authorizer checks the local tokens (HS256, the data directory's key). On the shared embedded
 * server (a database of its own).
 */
class LambdaModeApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;
  private static LocalRun run;
  private static ApiServer api;
  private static TestData db;
  private static UUID org;

  @BeforeAll
  static void start() {
    String databaseUrl = EmbeddedDatabase.shared().freshDatabase();
    RunOptions options = new RunOptions(LocalTestSupport.PROJECT, LocalTestSupport.PROJECT.resolve("template.yaml"),
        Optional.empty(), Map.of("AuthorizerMode", "lambda"), dir, false,
        LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", databaseUrl)));
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    run = LocalRun.start(options, false, Sandboxes.all(), quiet);
    api = ApiServer.start(run, "127.0.0.1", 0, quiet);
    db = new TestData(databaseUrl);
    org = db.organization("Lambda Mode Clinic");
  }

  @AfterAll
  static void stop() {
    db.close();
    api.close();
    run.close();
  }

  private static HttpResponse<String> list(String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.baseUrl() + "/phone-numbers"));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aLocalToken_passesTheAuthorizerFunction_andTheFunctionReadsItsOrg() throws Exception {
    HttpResponse<String> response = list(DevJwt.forOrg(run.devKey(), org, "org_id", Instant.now()));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"numbers\":[]}", response.body());
  }

  @Test
  void anotherKeysToken_isForbiddenByTheAuthorizer_andNoTokenIsUnauthorizedBeforeIt() throws Exception {
    String forged = DevJwt.sign("another-key-of-at-least-thirty-two-bytes", Map.of("sub", "x", "iss", DevJwt.ISSUER,
        "aud", DevJwt.AUDIENCE, "org_id", org.toString(), "exp", Instant.now().plusSeconds(600).getEpochSecond()));

    HttpResponse<String> refused = list(forged);
    HttpResponse<String> none = list(null);

    assertEquals(403, refused.statusCode(), refused.body());
    assertEquals("{\"message\":\"Forbidden\"}", refused.body());
    assertEquals(401, none.statusCode());
  }
}
