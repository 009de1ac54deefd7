package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeTwilio;
import java.util.List;
import java.util.Map;

/** The fake Twilio REST API (subaccounts, number search, purchase, release), with a fresh master account. */
final class TwilioSandbox implements ProviderSandbox {
  private FakeTwilio fake;

  @Override
  public String provider() {
    return "Twilio";
  }

  @Override
  public List<String> credentials() {
    return List.of("TWILIO_MASTER_ACCOUNT_SID", "TWILIO_MASTER_AUTH_TOKEN");
  }

  @Override
  public String baseUrlSetting() {
    return "TWILIO_API_BASE_URL";
  }

  @Override
  public String realUrl() {
    return "https://api.twilio.com";
  }

  @Override
  public Map<String, String> start() {
    String sid = "AC" + Secrets.hex(16);
    String token = Secrets.hex(16);
    fake = new FakeTwilio(sid, token);
    return Map.of("TWILIO_MASTER_ACCOUNT_SID", sid, "TWILIO_MASTER_AUTH_TOKEN", token,
        "TWILIO_API_BASE_URL", fake.baseUrl());
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
