package dev.switchboard.testing.fake;

import java.math.BigDecimal;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * AWS Secrets Manager's JSON 1.1 protocol, as the AWS SDK for Java 2 speaks it: every call is
 * {@code POST /} with {@code X-Amz-Target: secretsmanager.<Operation>} and a JSON body.
 * Supported: GetSecretValue, PutSecretValue (versions staged AWSCURRENT / AWSPREVIOUS; the
 * ClientRequestToken is the version id, and repeating it with the same value is a no-op) and
 * DescribeSecret. Errors are status 400 (500 for service faults) with
 * {@code {"__type":"ResourceNotFoundException","message":…}}. Requests must be SigV4-signed
 * (the signature is not checked: any credentials do).
 *
 * <p>Every operation shares one HTTP route ({@link #ROUTE}), because the base class routes by
 * path and the protocol has only "/": {@code failNext(ROUTE, fault)} hits whichever call comes
 * next. To fail one operation with one of its documented errors, use {@link #failNextCall}.
 */
public final class FakeSecretsManager extends FakeHttpServer {
  public static final String ROUTE = "secretsmanager";
  public static final String GET_SECRET_VALUE = "GetSecretValue";
  public static final String PUT_SECRET_VALUE = "PutSecretValue";
  public static final String DESCRIBE_SECRET = "DescribeSecret";

  private static final String TARGET_PREFIX = "secretsmanager.";
  private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
  private static final String REGION = "eu-west-2";
  private static final String ACCOUNT = "123456789012";

  /**
   * The real SDK client, as the functions build it, pointed at this fake: any credentials
   * sign (the fake does not check them), the region is the fake's. The caller closes it.
   */
  public SecretsManagerClient client() {
    return SecretsManagerClient.builder()
        .endpointOverride(URI.create(baseUrl()))
        .region(Region.of(REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("fake", "fake")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  private final Map<String, Deque<Failure>> failures = new LinkedHashMap<>();

  private static final class Secret {
    final String name;
    final String arn;
    final Instant created;
    final List<Version> versions = new ArrayList<>();

    Secret(String name, String arn, Instant created) {
      this.name = name;
      this.arn = arn;
      this.created = created;
    }

    Optional<Version> staged(String stage) {
      return versions.stream().filter(v -> v.stages.contains(stage)).findFirst();
    }
  }

  private static final class Version {
    final String id;
    final String value;
    final Instant created;
    final List<String> stages = new ArrayList<>();

    Version(String id, String value, Instant created) {
      this.id = id;
      this.value = value;
      this.created = created;
    }
  }

  private record Failure(int status, String type, String message) {}

  public FakeSecretsManager() {
    route(ROUTE, "POST", "/", this::call);
    start();
  }

  // ------------------------------------------------------------------ helpers for tests

  /** Creates the secret with no value yet (as a template's secret resource exists before its value). */
  public synchronized String create(String name) {
    return secrets.computeIfAbsent(name, n -> new Secret(n, arnFor(n), Instant.now())).arn;
  }

  /** Stores a new current version of the secret (creating it if needed); returns its ARN. */
  public synchronized String put(String name, String value) {
    create(name);
    Secret secret = find(name).orElseThrow();
    addVersion(secret, UUID.randomUUID().toString(), value);
    return secret.arn;
  }

  /** The current (AWSCURRENT) value of the secret, by name or ARN. */
  public synchronized Optional<String> value(String secretId) {
    return find(secretId).flatMap(s -> s.staged("AWSCURRENT")).map(v -> v.value);
  }

  /** Every value written to the secret, oldest first (by {@link #put} or PutSecretValue). */
  public synchronized List<String> versionsWritten(String secretId) {
    return find(secretId).map(s -> s.versions.stream().map(v -> v.value).toList()).orElse(List.of());
  }

  /** Calls of one operation the fake received (any outcome). */
  public long callsOf(String operation) {
    return journal().stream()
        .filter(r -> ROUTE.equals(r.route()) && (TARGET_PREFIX + operation).equals(r.request().header("X-Amz-Target")))
        .count();
  }

  /**
   * The next call of this operation fails with an AWS error, e.g.
   * {@code failNextCall(PUT_SECRET_VALUE, 400, "AccessDeniedException", "not allowed")}, or
   * {@code (…, 500, "InternalServiceError", …)}. Nothing is changed by a failed call.
   */
  public synchronized void failNextCall(String operation, int status, String awsErrorType, String message) {
    failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(new Failure(status, awsErrorType, message));
  }

  // ------------------------------------------------------------------ the protocol

  private synchronized FakeResponse call(FakeRequest request) {
    String target = request.header("X-Amz-Target");
    if (target == null || !target.startsWith(TARGET_PREFIX)) {
      return awsError(400, "UnknownOperationException", null);
    }
    String operation = target.substring(TARGET_PREFIX.length());
    Deque<Failure> queued = failures.get(operation);
    Failure failure = queued == null ? null : queued.poll();
    if (failure != null) {
      return awsError(failure.status(), failure.type(), failure.message());
    }
    Map<String, Object> body = parseJson(request.body());
    switch (operation) {
      case GET_SECRET_VALUE:
        return getSecretValue(body);
      case PUT_SECRET_VALUE:
        return putSecretValue(body);
      case DESCRIBE_SECRET:
        return describeSecret(body);
      default:
        return awsError(400, "UnknownOperationException", null);
    }
  }

  private FakeResponse getSecretValue(Map<String, Object> body) {
    Secret secret = required(body);
    String versionId = (String) body.get("VersionId");
    String stage = (String) body.getOrDefault("VersionStage", versionId == null ? "AWSCURRENT" : null);
    Optional<Version> version = secret.versions.stream()
        .filter(v -> versionId == null || v.id.equals(versionId))
        .filter(v -> stage == null || v.stages.contains(stage))
        .findFirst();
    if (version.isEmpty()) {
      return awsError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for "
          + (versionId != null ? "VersionId: " + versionId : "staging label: " + stage));
    }
    Version v = version.get();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("VersionId", v.id);
    out.put("SecretString", v.value);
    out.put("VersionStages", List.copyOf(v.stages));
    out.put("CreatedDate", epochSeconds(v.created));
    return ok(out);
  }

  private FakeResponse putSecretValue(Map<String, Object> body) {
    Secret secret = required(body);
    Object value = body.get("SecretString");
    if (body.containsKey("SecretBinary")) {
      return awsError(400, "InvalidRequestException", "this fake stores SecretString values only");
    }
    if (!(value instanceof String text)) {
      return awsError(400, "InvalidParameterException", "You must provide either SecretString or SecretBinary.");
    }
    Object token = body.get("ClientRequestToken");
    String versionId = token instanceof String t ? t : UUID.randomUUID().toString();
    if (versionId.length() < 32 || versionId.length() > 64) {
      return awsError(400, "InvalidParameterException", "ClientRequestToken must be 32 to 64 characters.");
    }
    Optional<Version> existing = secret.versions.stream().filter(v -> v.id.equals(versionId)).findFirst();
    Version version;
    if (existing.isPresent()) {
      if (!existing.get().value.equals(text)) {
        return awsError(400, "ResourceExistsException",
            "You can't modify an existing version, you can only create a new version.");
      }
      version = existing.get(); // a retry of the same request: nothing changes
    } else {
      version = addVersion(secret, versionId, text);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("VersionId", version.id);
    out.put("VersionStages", List.copyOf(version.stages));
    return ok(out);
  }

  private FakeResponse describeSecret(Map<String, Object> body) {
    Secret secret = required(body);
    Map<String, Object> stages = new LinkedHashMap<>();
    for (Version v : secret.versions) {
      if (!v.stages.isEmpty()) {
        stages.put(v.id, List.copyOf(v.stages));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("CreatedDate", epochSeconds(secret.created));
    if (!secret.versions.isEmpty()) {
      out.put("LastChangedDate", epochSeconds(secret.versions.get(secret.versions.size() - 1).created));
    }
    out.put("VersionIdsToStages", stages);
    return ok(out);
  }

  private Secret required(Map<String, Object> body) {
    Object id = body.get("SecretId");
    if (!(id instanceof String secretId) || secretId.isEmpty()) {
      throw new FakeError(400, "InvalidParameterException", "SecretId is required.");
    }
    return find(secretId).orElseThrow(() ->
        new FakeError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
  }

  private Optional<Secret> find(String secretId) {
    Secret byName = secrets.get(secretId);
    if (byName != null) {
      return Optional.of(byName);
    }
    // a full ARN, or a partial one without the 6-character suffix
    return secrets.values().stream()
        .filter(s -> s.arn.equals(secretId) || s.arn.startsWith(secretId + "-"))
        .findFirst();
  }

  private static Version addVersion(Secret secret, String versionId, String value) {
    for (Version v : secret.versions) {
      v.stages.remove("AWSPREVIOUS");
      if (v.stages.remove("AWSCURRENT")) {
        v.stages.add("AWSPREVIOUS");
      }
    }
    Version version = new Version(versionId, value, Instant.now());
    version.stages.add("AWSCURRENT");
    secret.versions.add(version);
    return version;
  }

  private String arnFor(String name) {
    String letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      suffix.append(letters.charAt(random.nextInt(letters.length())));
    }
    return "arn:aws:secretsmanager:" + REGION + ":" + ACCOUNT + ":secret:" + name + "-" + suffix;
  }

  private static BigDecimal epochSeconds(Instant instant) {
    return BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
  }

  // ------------------------------------------------------------------ AWS's wire details

  @Override
  protected FakeResponse authenticate(FakeRequest request) {
    String authorization = request.header("Authorization");
    if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=")) {
      return awsError(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    return null;
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    String type = code != null ? code
        : status >= 500 ? "InternalServiceError" : status == 429 ? "ThrottlingException" : "InvalidRequestException";
    return awsError(status, type, message);
  }

  private static FakeResponse awsError(int status, String type, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("__type", type);
    body.put("message", message == null ? type : message);
    return new FakeResponse(status, CONTENT_TYPE, toJson(body), Map.of())
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString());
  }

  private static FakeResponse ok(Map<String, Object> body) {
    return new FakeResponse(200, CONTENT_TYPE, toJson(body), Map.of())
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString());
  }
}
