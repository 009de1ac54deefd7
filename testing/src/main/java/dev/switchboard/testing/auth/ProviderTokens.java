package dev.switchboard.testing.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Access tokens shaped as each identity provider issues them, from its published token
 * reference (docs/auth.md lists the pages): the header (algorithm, {@code kid}, {@code typ}),
 * the {@code iss} and {@code aud} formats and the claim layout, with the organisation id where
 * each recipe of docs/auth.md puts it. Keys and signing: {@code FakeIssuer}.
 */
public final class ProviderTokens {
  private ProviderTokens() {}

  // ------------------------------------------------------------------ Supabase

  /** {@code https://<project ref>.supabase.co/auth/v1}. */
  public static String supabaseIssuer(String projectRef) {
    return "https://" + projectRef + ".supabase.co/auth/v1";
  }

  /** Legacy JWT secret: {@code {"alg":"HS256","typ":"JWT"}} (no kid). */
  public static JWSHeader supabaseLegacyHeader() {
    return new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();
  }

  /** Signing keys: ES256 by default (RS256 optional), the key's uuid-shaped {@code kid}. */
  public static JWSHeader supabaseSigningKeyHeader(JWSAlgorithm alg, String kid) {
    return new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(kid).build();
  }

  /**
   * A signed-in user's access token (Supabase's JWT claims reference), with the top-level
   * {@code org_id} the custom access token hook adds from a table users cannot write.
   */
  public static Map<String, Object> supabaseUser(String issuer, UUID userId, UUID org, Instant issuedAt, Duration ttl) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("aal", "aal1");
    c.put("amr", List.of(Map.of("method", "password", "timestamp", issuedAt.getEpochSecond())));
    c.put("app_metadata", Map.of("provider", "email", "providers", List.of("email")));
    c.put("aud", "authenticated");
    c.put("email", "owner@clinic.example");
    c.put("exp", issuedAt.plus(ttl).getEpochSecond());
    c.put("iat", issuedAt.getEpochSecond());
    c.put("iss", issuer);
    c.put("phone", "");
    c.put("role", "authenticated");
    c.put("session_id", UUID.randomUUID().toString());
    c.put("sub", userId.toString());
    // user_metadata is the user's to write (supabase.auth.updateUser): never where the org is
    c.put("user_metadata", Map.of("name", "Dr Owner", "org_id", UUID.randomUUID().toString()));
    c.put("is_anonymous", false);
    if (org != null) {
      c.put("org_id", org.toString());
    }
    return c;
  }

  /** The project's public anon key: signed with the same legacy secret, {@code iss: supabase}, no aud. */
  public static Map<String, Object> supabaseAnonKey(String projectRef, Instant issuedAt) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("iss", "supabase");
    c.put("ref", projectRef);
    c.put("role", "anon");
    c.put("iat", issuedAt.getEpochSecond());
    c.put("exp", issuedAt.plus(Duration.ofDays(3650)).getEpochSecond());
    return c;
  }

  // ------------------------------------------------------------------ Auth0

  /** {@code https://<tenant>.<region>.auth0.com/}: with the trailing slash. */
  public static String auth0Issuer(String tenant) {
    return "https://" + tenant + ".eu.auth0.com/";
  }

  /** {@code {"alg":"RS256","typ":"JWT","kid":"..."}}. */
  public static JWSHeader auth0Header(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(kid).build();
  }

  /**
   * An access token for the API {@code apiAudience}, requested with {@code openid} (so
   * {@code aud} is a list with the userinfo endpoint), with the namespaced claim a post-login
   * Action sets from the user's {@code app_metadata} ({@code org_id} itself is a name Auth0
   * reserves for its Organizations feature).
   */
  public static Map<String, Object> auth0Access(String issuer, String apiAudience, String claimName, UUID org,
      Instant issuedAt, Duration ttl) {
    Map<String, Object> c = new LinkedHashMap<>();
    if (org != null) {
      c.put(claimName, org.toString());
    }
    c.put("iss", issuer);
    c.put("sub", "auth0|65f1c0ffee5a1b2c3d4e5f60");
    c.put("aud", List.of(apiAudience, issuer + "userinfo"));
    c.put("iat", issuedAt.getEpochSecond());
    c.put("exp", issuedAt.plus(ttl).getEpochSecond());
    c.put("scope", "openid profile email");
    c.put("azp", "x8FvW3kQ1pLmN0oRsT2uVwXyZ4aBcDeF");
    return c;
  }

  // ------------------------------------------------------------------ Cognito

  /** {@code https://cognito-idp.<region>.amazonaws.com/<user pool id>}. */
  public static String cognitoIssuer(String region, String userPoolId) {
    return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolId;
  }

  /** {@code {"kid":"...","alg":"RS256"}}: Cognito's access tokens carry no {@code typ}. */
  public static JWSHeader cognitoHeader(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build();
  }

  /**
   * An access token: no {@code aud} (the app client is {@code client_id}), {@code token_use:
   * access}, and the {@code org_id} a pre token generation trigger (event version 2) adds to
   * access tokens from the user's record.
   */
  public static Map<String, Object> cognitoAccess(String issuer, String clientId, UUID org, Instant issuedAt,
      Duration ttl) {
    Map<String, Object> c = new LinkedHashMap<>();
    UUID sub = UUID.nameUUIDFromBytes(clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    c.put("sub", sub.toString());
    c.put("iss", issuer);
    c.put("client_id", clientId);
    c.put("origin_jti", UUID.randomUUID().toString());
    c.put("event_id", UUID.randomUUID().toString());
    c.put("token_use", "access");
    c.put("scope", "aws.cognito.signin.user.admin");
    c.put("auth_time", issuedAt.getEpochSecond());
    c.put("exp", issuedAt.plus(ttl).getEpochSecond());
    c.put("iat", issuedAt.getEpochSecond());
    c.put("jti", UUID.randomUUID().toString());
    c.put("username", sub.toString());
    if (org != null) {
      c.put("org_id", org.toString());
    }
    return c;
  }

  // ------------------------------------------------------------------ Clerk

  /** The instance's Frontend API URL: {@code https://clerk.<your domain>} in production. */
  public static String clerkIssuer(String domain) {
    return "https://clerk." + domain;
  }

  /** {@code {"alg":"RS256","kid":"ins_...","typ":"JWT"}}. */
  public static JWSHeader clerkHeader(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(kid).build();
  }

  /**
   * A token from a JWT template named for this API: the template's static {@code aud} and
   * its {@code org_id} shortcode over the user's public metadata (writable from the backend
   * only), beside the default claims every Clerk token carries.
   */
  public static Map<String, Object> clerkTemplate(String issuer, String audience, UUID org, Instant issuedAt,
      Duration ttl) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("aud", audience);
    c.put("azp", "https://app.clinic.example");
    c.put("exp", issuedAt.plus(ttl).getEpochSecond());
    c.put("iat", issuedAt.getEpochSecond());
    c.put("iss", issuer);
    c.put("jti", "b5f1d2c3a4e5f60718293a4b");
    c.put("nbf", issuedAt.minusSeconds(5).getEpochSecond());
    if (org != null) {
      c.put("org_id", org.toString());
    }
    c.put("sub", "user_2ZxQk9oLmNpRsTuVwXyZaBcDeFg");
    return c;
  }
}
