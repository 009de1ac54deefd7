package dev.switchboard.db;

import dev.switchboard.config.MissingConfigException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner.AuthLocation;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * IAM database authentication: the token RDS, or RDS Proxy, takes as the password instead of
 * a stored one. It is built as the SDK's {@code RdsUtilities.generateAuthenticationToken}
 * builds it, without the SDK's rds module: a GET of
 * {@code https://host:port/?Action=connect&DBUser=user} presigned with Signature Version 4
 * for the service {@code rds-db} (the signature in the query string, valid 15 minutes), with
 * the scheme dropped. Checked against the AWS documentation and the SDK's source: see
 * docs/deploy.md.
 *
 * <p>A token is made for each new connection: it is checked only when a connection logs in,
 * so a connection may outlive it.
 */
public final class IamAuthTokens {
  /** How long RDS accepts a token (its documented lifetime). */
  static final Duration LIFETIME = Duration.ofMinutes(15);

  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final Clock clock;

  public IamAuthTokens(AwsCredentialsProvider credentials, String region, Clock clock) {
    this.credentials = credentials;
    this.region = region;
    this.clock = clock;
  }

  /**
   * Signed with the function's own credentials (the SDK's default chain: on Lambda, the
   * execution role's), for the database in {@code region}.
   */
  public static IamAuthTokens forRegion(String region) {
    return new IamAuthTokens(DefaultCredentialsProvider.builder().build(), region, Clock.systemUTC());
  }

  /** A token that lets {@code user} log in at {@code host:port} for the next 15 minutes. */
  public String token(String host, int port, String user) {
    SdkHttpRequest request = SdkHttpRequest.builder()
        .method(SdkHttpMethod.GET)
        .protocol("https")
        .host(host)
        .port(port)
        .encodedPath("/")
        .putRawQueryParameter("Action", "connect")
        .putRawQueryParameter("DBUser", user)
        .build();
    SdkHttpRequest signed = signer.sign(r -> r
            .identity(credentials.resolveCredentials())
            .request(request)
            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "rds-db")
            .putProperty(AwsV4HttpSigner.REGION_NAME, region)
            .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AuthLocation.QUERY_STRING)
            .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, LIFETIME)
            .putProperty(HttpSigner.SIGNING_CLOCK, clock))
        .request();
    return signed.getUri().toString().substring("https://".length());
  }

  /**
   * {@code url} with a fresh token as the password each time it is asked (the Database asks
   * once per new connection). The token is for the host the connection goes to: the proxy's
   * endpoint through RDS Proxy, the instance's otherwise.
   */
  public Supplier<DatabaseUrl> asPasswords(Supplier<DatabaseUrl> url) {
    requireUser(url.get()); // a URL that cannot work stops the start, naming the setting
    return () -> {
      DatabaseUrl current = url.get();
      DatabaseUrl.Address at = current.address();
      return current.withPassword(token(at.host(), at.port(), requireUser(current)));
    };
  }

  private static String requireUser(DatabaseUrl url) {
    url.address();
    return url.loginUser().orElseThrow(() -> new MissingConfigException("DATABASE_URL",
        "DATABASE_IAM_AUTH needs a DATABASE_URL that names its user: postgres://user@host:port/database"));
  }
}
