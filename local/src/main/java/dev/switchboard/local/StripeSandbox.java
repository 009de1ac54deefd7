package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeStripe;
import java.util.List;
import java.util.Map;

/**
 * The fake Stripe API (Checkout sessions, webhook endpoints); its key, sessions and endpoints
 * (with their signing secrets) are kept in the data directory. The demo's "the customer pays"
 * step uses the fake itself ({@link #fake}).
 */
final class StripeSandbox extends KeptSandbox<FakeStripe, FakeStripe.State> {
  private static final String KEY = "STRIPE_API_KEY";

  StripeSandbox() {
    super(FakeStripe.State.class);
  }

  @Override
  public String provider() {
    return "Stripe";
  }

  @Override
  public List<String> credentials() {
    return List.of(KEY);
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
  Map<String, String> freshCredentials() {
    return Map.of(KEY, "sk_test_local_" + Secrets.hex(12));
  }

  @Override
  FakeStripe startFake(Map<String, String> credentials) {
    return new FakeStripe(credentials.get(KEY));
  }

  @Override
  FakeStripe.State state(FakeStripe fake) {
    return fake.state();
  }

  @Override
  void restore(FakeStripe fake, FakeStripe.State state) {
    fake.restore(state);
  }
}
