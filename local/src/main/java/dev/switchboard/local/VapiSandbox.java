package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeVapi;
import java.util.List;
import java.util.Map;

/** The fake Vapi phone-number API, with a fresh private key. */
final class VapiSandbox implements ProviderSandbox {
  private FakeVapi fake;

  @Override
  public String provider() {
    return "Vapi";
  }

  @Override
  public List<String> credentials() {
    return List.of("VAPI_API_KEY");
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
  public Map<String, String> start() {
    String key = "vapi_local_" + Secrets.hex(16);
    fake = new FakeVapi(key);
    return Map.of("VAPI_API_KEY", key, "VAPI_API_BASE_URL", fake.baseUrl());
  }

  @Override
  public String baseUrl() {
    return fake.baseUrl();
  }

  @Override
  public void close() {
    if (fake != null) {
      fake.close();
    }
  }
}
