package dev.switchboard.local;

import dev.switchboard.testing.fake.FakeTwilio;
import java.util.List;
import java.util.Map;

/**
 * The fake Twilio REST API (subaccounts, number search, purchase, release). Its master
 * account, subaccounts (with their tokens), addresses and numbers are kept in the data
 * directory: the database remembers the subaccount and the numbers, so they must still exist
 * at the next run.
 */
final class TwilioSandbox extends KeptSandbox<FakeTwilio, FakeTwilio.State> {
  private static final String SID = "TWILIO_MASTER_ACCOUNT_SID";
  private static final String TOKEN = "TWILIO_MASTER_AUTH_TOKEN";

  TwilioSandbox() {
    super(FakeTwilio.State.class);
  }

  @Override
  public String provider() {
    return "Twilio";
  }

  @Override
  public List<String> credentials() {
    return List.of(SID, TOKEN);
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
  Map<String, String> freshCredentials() {
    return Map.of(SID, "AC" + Secrets.hex(16), TOKEN, Secrets.hex(16));
  }

  @Override
  FakeTwilio startFake(Map<String, String> credentials) {
    return new FakeTwilio(credentials.get(SID), credentials.get(TOKEN));
  }

  @Override
  FakeTwilio.State state(FakeTwilio fake) {
    return fake.state();
  }

  @Override
  void restore(FakeTwilio fake, FakeTwilio.State state) {
    fake.restore(state);
  }
}
