package dev.switchboard.bench;

import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeIssuer;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the benchmarks run against: a fresh embedded PostgreSQL database, zero-latency fake
 * Twilio, Vapi, Stripe, Secrets Manager and CloudFormation, the organisation the sample events
 * name, and the environment that points a function at all of it (obviously fake keys).
 */
final class BenchWorld implements AutoCloseable {
  /** The organisation in the JWT claims of every file in events/. */
  static final UUID EVENTS_ORG = UUID.fromString("11111111-1111-4111-8111-111111111111");
  static final String WEBHOOK_SECRET = "whsec_bench_not_a_real_secret";
  static final String KEYS_SECRET = "switchboard/bench/provider-keys";
  static final long OPENING_BALANCE = 90_000_000; // thousands of £10 numbers in the warm runs

  final ProviderWorld providers = new ProviderWorld();
  final TestData db = providers.db;
  final FakeStripe stripe = new FakeStripe();
  final FakeSecretsManager secrets = new FakeSecretsManager();
  final FakeCloudFormation cloudFormation = new FakeCloudFormation();
  /** A Supabase-like issuer: an ES256 signing key published at its JWKS URL. */
  final FakeIssuer issuer = new FakeIssuer("/auth/v1/.well-known/jwks.json");
  static final String ISSUER = "https://benchbenchbenchbenchxx.supabase.co/auth/v1";
  static final String ISSUER_KID = "0c9b7a3e-2d1f-4e5a-8b6c-7d8e9f0a1b2c";
  static final String HS256_SECRET = "bench-legacy-jwt-secret-of-at-least-32-bytes";

  BenchWorld() {
    issuer.addEcKey(ISSUER_KID, com.nimbusds.jose.JWSAlgorithm.ES256);
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Bench events org')", EVENTS_ORG);
    db.credit(EVENTS_ORG, OPENING_BALANCE, "adjustment", "opening balance");
    db.agentWithAssistant(EVENTS_ORG, "inbound", "asst_bench_inbound");
    secrets.put(KEYS_SECRET, "{\"TWILIO_MASTER_ACCOUNT_SID\":\"" + ProviderWorld.MASTER_SID
        + "\",\"TWILIO_MASTER_AUTH_TOKEN\":\"" + ProviderWorld.MASTER_TOKEN
        + "\",\"STRIPE_API_KEY\":\"" + FakeStripe.DEFAULT_API_KEY
        + "\",\"STRIPE_WEBHOOK_SECRET\":\"" + WEBHOOK_SECRET + "\"}");
  }

  /** A customer that can buy a number: a balance and an inbound agent with an assistant. */
  UUID customer(String name) {
    UUID org = db.organization(name, OPENING_BALANCE);
    db.agentWithAssistant(org, "inbound", "asst_" + org.toString().substring(0, 8));
    return org;
  }

  /** Every setting any function reads, pointing at the fakes; each function takes what it needs. */
  Map<String, String> settings() {
    Map<String, String> env = new HashMap<>(providers.settings());
    env.put("PROVIDER_READ_TIMEOUT_MS", "5000"); // a busy machine must not turn a cold start into a timeout
    env.put("STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY);
    env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
    env.put("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    env.put("TOP_UP_SUCCESS_URL", "https://app.example.com/wallet?topup=done");
    env.put("TOP_UP_CANCEL_URL", "https://app.example.com/wallet?topup=cancelled");
    // the highest limit allowed: the limit's SQL still runs, as in production, but never refuses a bench worker
    env.put("SEARCH_LIMIT_PER_MINUTE", "100000");
    return env;
  }

  /** {@link #settings} plus what a fresh process needs for the AWS SDK to reach the fake. */
  Map<String, String> processEnvironment() {
    Map<String, String> env = settings();
    env.put("AWS_REGION", "eu-west-2");
    env.put("AWS_ACCESS_KEY_ID", "fake-access-key-for-bench");
    env.put("AWS_SECRET_ACCESS_KEY", "fake-secret-access-key-for-the-bench");
    env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.baseUrl());
    env.put("BENCH_KEYS_SECRET_ID", KEYS_SECRET);
    return env;
  }

  /** The authorizer's settings in lambda mode: ES256 keys from the issuer's JWKS, or the HS256 secret. */
  Map<String, String> authorizerSettings(boolean hs256) {
    return hs256
        ? Map.of("AUTHORIZER_ISSUER", ISSUER, "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS", "HS256",
            "AUTHORIZER_HS256_SECRET", HS256_SECRET)
        : Map.of("AUTHORIZER_ISSUER", ISSUER, "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS",
            "ES256,RS256", "AUTHORIZER_JWKS_URL", issuer.jwksUrl());
  }

  /** A Supabase-shaped access token for the events org, signed as the settings above expect. */
  String authorizerToken(boolean hs256, java.time.Instant now) {
    Map<String, Object> claims = dev.switchboard.testing.auth.ProviderTokens.supabaseUser(ISSUER, UUID.randomUUID(),
        EVENTS_ORG, now, java.time.Duration.ofHours(1));
    return hs256 ? FakeIssuer.hmac(HS256_SECRET, dev.switchboard.testing.auth.ProviderTokens.supabaseLegacyHeader(), claims)
        : issuer.sign(dev.switchboard.testing.auth.ProviderTokens.supabaseSigningKeyHeader(
            com.nimbusds.jose.JWSAlgorithm.ES256, ISSUER_KID), claims);
  }

  @Override
  public void close() {
    issuer.close();
    cloudFormation.close();
    secrets.close();
    stripe.close();
    providers.close();
  }
}
