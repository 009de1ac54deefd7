package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.Await;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.TestData;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4PresignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/** The IAM database authentication token, and that the Database logs in with it. */
class IamAuthTokensTest {
  private static final Instant AT = Instant.parse("2026-12-02T08:00:00Z");
  private static final AwsBasicCredentials KEYS =
      AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  private static final String HOST = "switchboard.abc123.eu-west-2.rds.amazonaws.com";

  private static IamAuthTokens tokens(Clock clock) {
    return new IamAuthTokens(StaticCredentialsProvider.create(KEYS), "eu-west-2", clock);
  }

  /** The query of a token, decoded. */
  private static Map<String, String> query(String token) {
    Map<String, String> q = new TreeMap<>();
    for (String pair : token.substring(token.indexOf('?') + 1).split("&")) {
      String[] kv = pair.split("=", 2);
      q.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return q;
  }

  @Test
  void aTokenIsAPresignedRdsDbConnectUrl_withoutItsScheme() {
    String token = tokens(Clock.fixed(AT, ZoneOffset.UTC)).token(HOST, 5432, "switchboard_app");

    assertTrue(token.startsWith(HOST + ":5432/?"), token);
    Map<String, String> q = query(token);
    assertEquals("connect", q.get("Action"));
    assertEquals("switchboard_app", q.get("DBUser"));
    assertEquals("AWS4-HMAC-SHA256", q.get("X-Amz-Algorithm"));
    assertEquals("AKIDEXAMPLE/20261202/eu-west-2/rds-db/aws4_request", q.get("X-Amz-Credential"));
    assertEquals("20261202T080000Z", q.get("X-Amz-Date"));
    assertEquals("900", q.get("X-Amz-Expires"));
    assertEquals("host", q.get("X-Amz-SignedHeaders"));
    assertTrue(q.get("X-Amz-Signature").matches("[0-9a-f]{64}"), q.get("X-Amz-Signature"));
    assertEquals(8, q.size(), "nothing else: " + q.keySet());
  }

  @Test
  void aTokenIsWhatTheSdksRdsUtilitiesWouldSign() {
    // RdsUtilities (the rds module, not on our classpath) presigns this request with the
    // SDK's older Aws4Signer: the same inputs must give the same signature
    SdkHttpFullRequest request = SdkHttpFullRequest.builder()
        .method(SdkHttpMethod.GET).protocol("https").host(HOST).port(5432).encodedPath("/")
        .putRawQueryParameter("DBUser", "switchboard_app")
        .putRawQueryParameter("Action", "connect")
        .build();
    Clock clock = Clock.fixed(AT, ZoneOffset.UTC);
    String sdk = Aws4Signer.create().presign(request, Aws4PresignerParams.builder()
            .signingClockOverride(clock)
            .expirationTime(AT.plus(Duration.ofMinutes(15)))
            .awsCredentials(KEYS)
            .signingName("rds-db")
            .signingRegion(Region.EU_WEST_2)
            .build())
        .getUri().toString().substring("https://".length());

    assertEquals(query(sdk), query(tokens(clock).token(HOST, 5432, "switchboard_app")));
  }

  @Test
  void theDatabaseLogsInWithAFreshTokenForEachNewConnection() throws Exception {
    TestData data = new TestData(EmbeddedDatabase.shared().freshDatabase());
    String role = "iam_login_" + ProcessHandle.current().pid();
    TestClock clock = new TestClock(AT);
    IamAuthTokens tokens = tokens(clock);
    DatabaseUrl owner = DatabaseUrl.parse(data.jdbcUrl());
    // the embedded server trusts every local login: this role alone must give its password
    requirePasswordFor(owner, role);
    DatabaseUrl asRole = DatabaseUrl.parse(data.jdbcUrl().replace("user=postgres", "user=" + role));
    int port = asRole.address().port();
    data.update("ALTER ROLE " + role + " PASSWORD '" + tokens.token("localhost", port, role) + "'");

    Supplier<DatabaseUrl> url = () -> asRole;
    Database db = new Database(tokens.asPasswords(url), refused -> false);
    try {
      assertEquals(role, currentUser(db), "logged in with the token of the clock's time");

      // a minute later a new connection carries a new token, which the server has not been given
      db.closeIdleConnections();
      clock.advance(Duration.ofMinutes(1));
      DatabaseException refused = assertThrows(DatabaseException.class, () -> currentUser(db));
      assertEquals("28P01", refused.sqlState());

      data.update("ALTER ROLE " + role + " PASSWORD '" + tokens.token("localhost", port, role) + "'");
      assertEquals(role, currentUser(db));
    } finally {
      db.closeIdleConnections();
      data.close();
    }
  }

  @Test
  void aUrlWithoutItsUserStopsTheStart() {
    IamAuthTokens tokens = tokens(Clock.fixed(AT, ZoneOffset.UTC));
    DatabaseUrl noUser = DatabaseUrl.parse("postgres://" + HOST + ":5432/switchboard");
    assertThrows(dev.switchboard.config.MissingConfigException.class, () -> tokens.asPasswords(() -> noUser));
  }

  private static String currentUser(Database db) {
    return db.inTransaction(tx -> {
      try (ResultSet rs = tx.createStatement().executeQuery("SELECT current_user")) {
        rs.next();
        return rs.getString(1);
      }
    });
  }

  /**
   * Creates {@code role} and has the server ask it for its password (SCRAM) over TCP: a rule
   * for it alone at the top of pg_hba.conf, then a reload, awaited until a wrong password is
   * refused.
   */
  private static void requirePasswordFor(DatabaseUrl owner, String role) throws Exception {
    String hbaFile;
    try (var c = DriverManager.getConnection(owner.jdbcUrl());
         var st = c.createStatement()) {
      st.execute("DROP ROLE IF EXISTS " + role);
      st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'not-the-token'");
      try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
        rs.next();
        hbaFile = rs.getString(1);
      }
      Path hba = Path.of(hbaFile);
      String rules = "host all " + role + " 127.0.0.1/32 scram-sha-256\n"
          + "host all " + role + " ::1/128 scram-sha-256\n";
      Files.writeString(hba, rules + Files.readString(hba));
      st.execute("SELECT pg_reload_conf()");
    }
    java.util.Properties wrong = new java.util.Properties();
    wrong.setProperty("user", role);
    wrong.setProperty("password", "wrong");
    String roleUrl = owner.jdbcUrl().replace("user=postgres", "user=" + role);
    Await.until("the server asks " + role + " for its password", () -> {
      try (var c = DriverManager.getConnection(roleUrl, wrong)) {
        return false;
      } catch (SQLException e) {
        assertEquals("28P01", e.getSQLState(), e.getMessage());
        return true;
      }
    });
  }
}
