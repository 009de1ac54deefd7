package dev.switchboard.testing.fake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A phone number as the fake Vapi holds it. The Twilio auth token it was imported with is
 * kept apart ({@link FakeVapi#twilioAuthTokenSentFor}) so that printing a number in a failed
 * assertion never shows it.
 */
public record FakeVapiNumber(String id, String orgId, String number, String twilioAccountSid,
                             String name, String assistantId, Instant createdAt, Instant updatedAt) {
  /** Vapi's timestamps: ISO 8601 in UTC, always with milliseconds. */
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * The phone-number object as Vapi's published schemas describe it: {@code TwilioPhoneNumber}
   * (provider "twilio") or, for a SIP URI, {@code VapiPhoneNumber} (provider "vapi", a
   * {@code sipUri} and no E.164 "number"). A field with no value is left out, as those schemas
   * have no nullable fields.
   */
  Map<String, Object> toJson(String twilioAuthToken) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("orgId", orgId);
    if (number.startsWith("sip:")) {
      json.put("provider", "vapi");
      json.put("sipUri", number);
    } else {
      json.put("provider", "twilio");
      json.put("number", number);
      json.put("twilioAccountSid", twilioAccountSid);
      if (twilioAuthToken != null) {
        json.put("twilioAuthToken", twilioAuthToken); // the TwilioPhoneNumber schema carries it
      }
      json.put("smsEnabled", true);
    }
    if (name != null) {
      json.put("name", name);
    }
    if (assistantId != null) {
      json.put("assistantId", assistantId);
    }
    json.put("status", "active");
    json.put("createdAt", TIMESTAMP.format(createdAt));
    json.put("updatedAt", TIMESTAMP.format(updatedAt));
    return json;
  }
}
