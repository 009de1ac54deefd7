package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS by default: a DATABASE_URL that names a remote host and says nothing about TLS connects with
 * sslmode=verify-full, trusting the JDK's authorities and the Amazon RDS roots shipped in
 * shared; loopback stays plain; an explicit TLS setting is the override. The handshake is
 * proven against a real PostgreSQL serving TLS with a certificate made for this test.
 */
class DatabaseTlsTest {
  private static final String DEFAULT_TLS = "sslmode=verify-full&sslfactory=dev.switchboard.db.DatabaseTrust";

  @TempDir
  static Path dir;
  private static EmbeddedPostgres tlsServer;
  private static Path serverCertificate;

  @Test
  void aRemoteHostWithoutSslmode_getsVerifyFullWithTheBundledTrust() {
    assertEquals("jdbc:postgresql://db.example.com:5432/app?" + DEFAULT_TLS,
        DatabaseUrl.parse("postgres://u:p@db.example.com:5432/app").jdbcUrl());
    assertEquals("jdbc:postgresql://mydb.abc123.eu-west-2.rds.amazonaws.com/app?connectTimeout=3&" + DEFAULT_TLS,
        DatabaseUrl.parse("jdbc:postgresql://mydb.abc123.eu-west-2.rds.amazonaws.com/app?connectTimeout=3").jdbcUrl());
    assertEquals("jdbc:postgresql://localhost:5432,10.0.0.7:5432/app?" + DEFAULT_TLS,
        DatabaseUrl.parse("jdbc:postgresql://localhost:5432,10.0.0.7:5432/app").jdbcUrl(), "one remote host is enough");
  }

  @Test
  void throughAProxyHost_keepsPortDatabaseUserAndSettings_andGetsTheTlsDefaultForTheNewHost() {
    String proxy = "switchboard-db.proxy-abc123.eu-west-2.rds.amazonaws.com";
    DatabaseUrl direct = DatabaseUrl.parse("postgres://app:s%40cret@db.example.com:5432/app?ApplicationName=x");
    DatabaseUrl viaProxy = direct.throughHost(proxy);
    assertEquals("jdbc:postgresql://" + proxy + ":5432/app?ApplicationName=x&" + DEFAULT_TLS, viaProxy.jdbcUrl());
    assertEquals(direct.user(), viaProxy.user());
    assertEquals(direct.password(), viaProxy.password());
    // a local URL had no TLS; the proxy is remote, so it gets it
    assertEquals("jdbc:postgresql://" + proxy + "/app?user=postgres&" + DEFAULT_TLS,
        DatabaseUrl.parse("jdbc:postgresql://localhost/app?user=postgres").throughHost(proxy).jdbcUrl());
    assertThrows(dev.switchboard.config.MissingConfigException.class,
        () -> DatabaseUrl.parse("jdbc:postgresql://a:5432,b:5432/app").throughHost(proxy));
  }

  @Test
  void loopbackStaysPlain_andAnExplicitTlsSettingIsKeptAsItIs() {
    for (String url : List.of("jdbc:postgresql://localhost:5432/app?user=postgres", "jdbc:postgresql://127.0.0.1/app",
        "jdbc:postgresql://[::1]:5432/app", "jdbc:postgresql:app",
        "jdbc:postgresql://db.example.com/app?sslmode=require", "jdbc:postgresql://db.example.com/app?sslmode=disable",
        "jdbc:postgresql://db.example.com/app?ssl=true",
        "jdbc:postgresql://db.example.com/app?sslmode=verify-full&sslrootcert=/var/task/ca.pem")) {
      assertEquals(url, DatabaseUrl.parse(url).jdbcUrl(), url);
    }
    assertEquals("jdbc:postgresql://db.example.com/app?sslmode=require",
        DatabaseUrl.parse("postgres://u:p@db.example.com/app?sslmode=require").jdbcUrl());
  }

  @Test
  void theBundle_holdsOnlyValidSelfSignedAmazonRdsRoots_andTheJdksAuthoritiesStayTrusted() throws Exception {
    List<X509Certificate> roots = DatabaseTrust.rdsRoots();
    assertTrue(roots.size() >= 80, roots.size() + " roots");
    for (X509Certificate root : roots) {
      root.checkValidity();
      root.verify(root.getPublicKey()); // self-signed: a root, not an intermediate
      String subject = root.getSubjectX500Principal().getName();
      assertTrue(subject.contains("OU=Amazon RDS") && subject.contains("O=Amazon Web Services"), subject);
    }
    Set<String> names = roots.stream().map(r -> r.getSubjectX500Principal().getName()).collect(Collectors.toSet());
    assertTrue(names.stream().anyMatch(n -> n.contains("CN=Amazon RDS us-east-1 Root CA RSA2048 G1")), "rds-ca-rsa2048-g1");
    assertTrue(names.stream().anyMatch(n -> n.contains("CN=Amazon RDS eu-west-2 Root CA RSA4096 G1")), "rds-ca-rsa4096-g1");
    assertTrue(names.stream().anyMatch(n -> n.contains("CN=Amazon RDS us-west-2 Root CA ECC384 G1")), "rds-ca-ecc384-g1");

    X509Certificate[] trusted = DatabaseTrust.trustManager().getAcceptedIssuers();
    assertTrue(trusted.length > roots.size() + 50, "the JDK's authorities too (RDS Proxy's certificates are public)");
  }

  // ------------------------------------------------------------- a TLS server

  @BeforeAll
  static void startTlsServer() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "pg", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
        "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    serverCertificate = dir.resolve("server.crt");
    Files.writeString(serverCertificate, pem("CERTIFICATE", ks.getCertificate("pg").getEncoded()));
    Path key = dir.resolve("server.key");
    Files.writeString(key, pem("PRIVATE KEY", ks.getKey("pg", "changeit".toCharArray()).getEncoded()));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    tlsServer = EmbeddedPostgres.builder()
        .setServerConfig("ssl", "on")
        .setServerConfig("ssl_cert_file", serverCertificate.toString())
        .setServerConfig("ssl_key_file", key.toString())
        .start();
  }

  @AfterAll
  static void stopTlsServer() throws Exception {
    if (tlsServer != null) {
      tlsServer.close();
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private static Connection connect(String jdbcUrl) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(jdbcUrl, props);
  }

  private static String base(String host) {
    return "jdbc:postgresql://" + host + ":" + tlsServer.getPort() + "/postgres";
  }

  @Test
  void verifyFull_refusesAServerWhoseCertificateNoTrustedAuthoritySigned() {
    // what a remote DATABASE_URL gets by default, pointed at a server with an unknown certificate
    SQLException e = assertThrows(SQLException.class, () -> connect(base("localhost") + "?" + DEFAULT_TLS).close());
    assertTrue(String.valueOf(e.getMessage()).contains("SSL"), e.getMessage());
  }

  @Test
  void theOverride_trustsTheNamedAuthority_andVerifyFullStillChecksTheHostName() throws Exception {
    String trusting = "?sslmode=verify-full&sslrootcert=" + serverCertificate;
    try (Connection c = connect(base("localhost") + trusting);
         ResultSet rs = c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      assertTrue(rs.next() && rs.getBoolean(1), "the session is encrypted");
    }
    // the certificate names localhost, not 127.0.0.1: verify-full refuses it
    SQLException e = assertThrows(SQLException.class, () -> connect(base("127.0.0.1") + trusting).close());
    assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("host"), e.getMessage());
  }
}
