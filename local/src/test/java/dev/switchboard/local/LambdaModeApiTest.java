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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start-api with {@code AuthorizerMode=lambda} against a real issuer, as a developer tries
 * their own provider's tokens (docs/local.md, Tokens): every route behind the authorizer goes
 * first to the template's AuthorizerFunction, in its own execution environment as in AWS, with
 * the payload 2.0 authorizer event; its context reaches the function. The issuer here is a
 * Supabase-like one (ES256 signing key, its JWKS over HTTP). (The lambda mode with the local
 * issuer is FunctionEventsTest's AuthorizerFunction sample.) On the shared embedded server.
 */
class LambdaModeApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;
  private static LocalRun run;
  private static ApiServer api;
  private static TestData db;
  private static UUID org;
  private static dev.switchboard.testing.fake.FakeIssuer issuer;
  private static final String ISSUER = dev.switchboard.testing.auth.ProviderTokens.supabaseIssuer("abcdefghijklmnopqrst");
  private static final String KID = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

  @BeforeAll
  static void start() {
    issuer = new dev.switchboard.testing.fake.FakeIssuer("/auth/v1/.well-known/jwks.json");
    issuer.addEcKey(KID, com.nimbusds.jose.JWSAlgorithm.ES256);
    String databaseUrl = EmbeddedDatabase.shared().freshDatabase();
    RunOptions options = new RunOptions(LocalTestSupport.PROJECT, LocalTestSupport.PROJECT.resolve("template.yaml"),
        Optional.empty(), Map.of("AuthorizerMode", "lambda", "JwtIssuer", ISSUER, "AuthorizerAlgorithms", "ES256",
            "AuthorizerJwksUrl", issuer.jwksUrl()), dir, false,
        LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", databaseUrl, "AUTHORIZER_AUDIENCE", "authenticated")));
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    run = LocalRun.start(options, false, Sandboxes.all(), quiet);
    api = ApiServer.start(run, "127.0.0.1", 0, quiet);
    db = new TestData(databaseUrl);
    org = db.organization("Lambda Mode Clinic");
  }

  @AfterAll
  static void stop() {
    issuer.close();
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

  private static String token(UUID forOrg) {
    return issuer.sign(dev.switchboard.testing.auth.ProviderTokens.supabaseSigningKeyHeader(
        com.nimbusds.jose.JWSAlgorithm.ES256, KID), dev.switchboard.testing.auth.ProviderTokens.supabaseUser(ISSUER,
        UUID.randomUUID(), forOrg, Instant.now(), java.time.Duration.ofHours(1)));
  }

  @Test
  void theIssuersToken_passesTheAuthorizerFunction_andTheFunctionReadsItsOrg() throws Exception {
    HttpResponse<String> response = list(token(org));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("{\"numbers\":[]}", response.body());
  }

  @Test
  void aLocalOrTamperedToken_isForbiddenByTheAuthorizer_andNoTokenIsUnauthorizedBeforeIt() throws Exception {
    String local = DevJwt.forOrg(run.devKey(), org, "org_id", Instant.now());
    String genuine = token(UUID.randomUUID());
    String tampered = dev.switchboard.testing.fake.FakeIssuer.withPayload(genuine,
        dev.switchboard.testing.auth.ProviderTokens.supabaseUser(ISSUER, UUID.randomUUID(), org, Instant.now(),
            java.time.Duration.ofHours(1)));

    for (String refused : List.of(local, tampered)) {
      HttpResponse<String> response = list(refused);
      assertEquals(403, response.statusCode(), response.body());
      assertEquals("{\"message\":\"Forbidden\"}", response.body());
      assertEquals(List.of(), OpenApiContract.load(LocalTestSupport.PROJECT.resolve("docs/openapi.yaml"))
          .problems("GET", "/phone-numbers", 403, OpenApiContract.headersOf(response), response.body()), "as documented");
    }
    assertEquals(401, list(null).statusCode());
  }
}
