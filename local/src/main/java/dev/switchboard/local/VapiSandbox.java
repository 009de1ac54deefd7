package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeVapi;
import java.util.List;
import java.util.Map;

/** The fake Vapi phone-number API; its key and imported numbers are kept in the data directory. */
final class VapiSandbox extends KeptSandbox<FakeVapi, FakeVapi.State> {
  private static final String KEY = "VAPI_API_KEY";

  VapiSandbox() {
    super(FakeVapi.State.class);
  }

  @Override
  public String provider() {
    return "Vapi";
  }

  @Override
  public List<String> credentials() {
    return List.of(KEY);
  }

  @Override
  public String baseUrlSetting() {
    return "VAPI_API_BASE_URL";
  }

  @Override
  public String realUrl() {
    return "https://api.vapi.ai";
  }

  @Override
  Map<String, String> freshCredentials() {
    return Map.of(KEY, "vapi_local_" + Secrets.hex(16));
  }

  @Override
  FakeVapi startFake(Map<String, String> credentials) {
    return new FakeVapi(credentials.get(KEY));
  }

  @Override
  FakeVapi.State state(FakeVapi fake) {
    return fake.state();
  }

  @Override
  void restore(FakeVapi fake, FakeVapi.State state) {
    fake.restore(state);
  }
}
