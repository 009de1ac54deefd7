package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeStripe;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The fake Stripe API (Checkout sessions, webhook endpoints), with a fresh test key. */
final class StripeSandbox implements ProviderSandbox {
  private FakeStripe fake;

  @Override
  public String provider() {
    return "Stripe";
  }

  @Override
  public List<String> credentials() {
    return List.of("STRIPE_API_KEY");
  }

  @Override
  public String baseUrlSetting() {
    return "STRIPE_API_BASE_URL";
  }

  @Override
  public String realUrl() {
    return "https://api.stripe.com";
  }

  @Override
  public Map<String, String> start() {
    String key = "sk_test_local_" + Secrets.hex(12);
    fake = new FakeStripe(key);
    return Map.of("STRIPE_API_KEY", key, "STRIPE_API_BASE_URL", fake.baseUrl());
  }

  @Override
  public String baseUrl() {
    return fake.baseUrl();
  }

  /** The fake itself, for the demo's "the customer pays" step; empty when Stripe is real. */
  Optional<FakeStripe> fake() {
    return Optional.ofNullable(fake);
  }

  @Override
  public void close() {
    if (fake != null) {
      fake.close();
    }
  }
}
