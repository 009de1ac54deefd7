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
                             String credentialId, String name, String assistantId,
                             Instant createdAt, Instant updatedAt) {
  /** Vapi's timestamps: ISO 8601 in UTC, always with milliseconds. */
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** The phone-number object as Vapi answers it (provider "twilio", or "vapi" for a SIP URI). */
  Map<String, Object> toJson(String twilioAuthToken) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("orgId", orgId);
    if (number.startsWith("sip:")) {
      // a free Vapi SIP number: provider "vapi", a sipUri and no E.164 "number"
      json.put("provider", "vapi");
      json.put("sipUri", number);
    } else {
      json.put("provider", "twilio");
      json.put("number", number);
      json.put("twilioAccountSid", twilioAccountSid);
    }
    if (twilioAuthToken != null) {
      json.put("twilioAuthToken", twilioAuthToken); // Vapi's documented schema carries it
    }
    json.put("credentialId", credentialId);
    json.put("name", name);
    json.put("assistantId", assistantId);
    json.put("smsEnabled", true);
    json.put("status", "active");
    json.put("createdAt", TIMESTAMP.format(createdAt));
    json.put("updatedAt", TIMESTAMP.format(updatedAt));
    return json;
  }
}
