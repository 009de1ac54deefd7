package dev.switchboard.testing.fake;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the fake Twilio holds, as records, and their JSON as the 2010-04-01 API writes it. */
final class FakeTwilioRecords {
  /** Twilio's 2010 API dates are RFC 2822 with a numeric offset, which the SDK parses. */
  static final DateTimeFormatter RFC_2822 =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

  private FakeTwilioRecords() {}

  static Map<String, Object> account(FakeTwilio.Account a) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("auth_token", a.authToken());
    json.put("date_created", RFC_2822.format(a.createdAt()));
    json.put("date_updated", RFC_2822.format(a.createdAt()));
    json.put("friendly_name", a.friendlyName());
    json.put("owner_account_sid", a.ownerAccountSid());
    json.put("sid", a.sid());
    json.put("status", a.status());
    json.put("subresource_uris", Map.of(
        "incoming_phone_numbers", "/2010-04-01/Accounts/" + a.sid() + "/IncomingPhoneNumbers.json",
        "addresses", "/2010-04-01/Accounts/" + a.sid() + "/Addresses.json",
        "available_phone_numbers", "/2010-04-01/Accounts/" + a.sid() + "/AvailablePhoneNumbers.json"));
    json.put("type", "Full");
    json.put("uri", "/2010-04-01/Accounts/" + a.sid() + ".json");
    return json;
  }

  static Map<String, Object> address(FakeTwilio.Address a) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("account_sid", a.accountSid());
    json.put("city", a.city());
    json.put("customer_name", a.customerName());
    json.put("date_created", RFC_2822.format(a.createdAt()));
    json.put("date_updated", RFC_2822.format(a.createdAt()));
    json.put("emergency_enabled", false);
    json.put("friendly_name", null);
    json.put("iso_country", a.isoCountry());
    json.put("postal_code", a.postalCode());
    json.put("region", a.region());
    json.put("sid", a.sid());
    json.put("street", a.street());
    json.put("street_secondary", null);
    json.put("validated", false);
    json.put("verified", false);
    json.put("uri", "/2010-04-01/Accounts/" + a.accountSid() + "/Addresses/" + a.sid() + ".json");
    return json;
  }

  static Map<String, Object> incomingNumber(FakeTwilio.HeldNumber n) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("account_sid", n.accountSid());
    json.put("address_requirements", n.addressSid() == null ? "none" : "local");
    json.put("address_sid", n.addressSid());
    json.put("api_version", "2010-04-01");
    json.put("beta", false);
    json.put("bundle_sid", null);
    json.put("capabilities", capabilities());
    json.put("date_created", RFC_2822.format(n.createdAt()));
    json.put("date_updated", RFC_2822.format(n.createdAt()));
    json.put("emergency_address_sid", null);
    json.put("emergency_address_status", "unregistered");
    json.put("emergency_status", "Inactive");
    json.put("friendly_name", n.friendlyName());
    json.put("identity_sid", null);
    json.put("origin", "twilio");
    json.put("phone_number", n.phoneNumber());
    json.put("sid", n.sid());
    json.put("sms_application_sid", "");
    json.put("sms_fallback_method", "POST");
    json.put("sms_fallback_url", "");
    json.put("sms_method", "POST");
    json.put("sms_url", "");
    json.put("status", "in-use");
    json.put("status_callback", "");
    json.put("status_callback_method", "POST");
    json.put("trunk_sid", null);
    json.put("type", n.type());
    json.put("uri", "/2010-04-01/Accounts/" + n.accountSid() + "/IncomingPhoneNumbers/" + n.sid() + ".json");
    json.put("voice_application_sid", null);
    json.put("voice_caller_id_lookup", false);
    json.put("voice_fallback_method", "POST");
    json.put("voice_fallback_url", null);
    json.put("voice_method", "POST");
    json.put("voice_receive_mode", "voice");
    json.put("voice_url", null);
    return json;
  }

  static Map<String, Object> available(FakeTwilioInventory.Offer o) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("address_requirements", o.needsAddress() ? "local" : "none");
    json.put("beta", false);
    json.put("capabilities", capabilities());
    json.put("friendly_name", o.friendlyName());
    json.put("iso_country", o.country());
    json.put("lata", null);
    json.put("latitude", null);
    json.put("locality", o.locality());
    json.put("longitude", null);
    json.put("phone_number", o.phoneNumber());
    json.put("postal_code", null);
    json.put("rate_center", null);
    json.put("region", o.region());
    return json;
  }

  /** Twilio really spells these keys in two cases: "voice"/"fax" but "SMS"/"MMS". */
  private static Map<String, Object> capabilities() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("voice", true);
    json.put("SMS", true);
    json.put("MMS", false);
    json.put("fax", false);
    return json;
  }
}
