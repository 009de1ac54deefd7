package dev.switchboard.numbers;

import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.WireValue;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.Requests;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import dev.switchboard.providers.Telephony.Address;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** A validated POST /phone-numbers body. Every field is checked before money moves. */
public record ProvisionRequest(Country country, NumberType numberType, Optional<String> areaCode,
                               Direction direction, Optional<Address> address) {
  private static final Set<String> FIELDS = Set.of("country", "numberType", "areaCode", "direction", "address");
  private static final Set<String> ADDRESS_FIELDS =
      Set.of("customerName", "street", "city", "region", "postalCode", "isoCountry");
  /** North American area codes: three digits, the first 2-9 (toll-free ones are 8xx). */
  private static final Pattern AREA_CODE = Pattern.compile("[2-9][0-9]{2}");

  public static ProvisionRequest parse(JsonObject body) {
    try {
      body.onlyFields(FIELDS);
      Country country = parseWire(Country.class, "country", body.string("country"), "US, GB, CA or AU");
      NumberType type = parseWire(NumberType.class, "numberType",
          body.optString("numberType").orElse("local"), "local or toll_free");
      Direction direction = parseWire(Direction.class, "direction",
          body.optString("direction").orElse("inbound"), "inbound, outbound or unassigned");
      Optional<String> areaCode = body.optString("areaCode");
      if (areaCode.isPresent()) {
        if (country != Country.US && country != Country.CA) {
          throw SwitchboardException.invalidField("areaCode", "areaCode can be given for US and CA numbers only");
        }
        if (!AREA_CODE.matcher(areaCode.get()).matches()) {
          throw SwitchboardException.invalidField("areaCode", "areaCode must be three digits, such as 415");
        }
      }
      Optional<Address> address = body.optObject("address").map(a -> address(a, country));
      return new ProvisionRequest(country, type, areaCode, direction, address);
    } catch (JsonException e) {
      throw Requests.invalid(e);
    }
  }

  private static Address address(JsonObject a, Country country) {
    a.onlyFields(ADDRESS_FIELDS);
    String iso = text(a, "isoCountry", 2);
    if (!iso.equals(country.wire())) {
      throw SwitchboardException.invalidField("address.isoCountry",
          "address.isoCountry must be the number's country, " + country.wire());
    }
    return new Address(text(a, "customerName", 200), text(a, "street", 200), text(a, "city", 100),
        text(a, "region", 100), text(a, "postalCode", 20), iso);
  }

  private static String text(JsonObject o, String field, int max) {
    String v = o.string(field).strip();
    if (v.isEmpty() || v.length() > max || v.chars().anyMatch(Character::isISOControl)) {
      throw SwitchboardException.invalidField("address." + field,
          "address." + field + " must be 1 to " + max + " printable characters");
    }
    return v;
  }

  static <E extends Enum<E> & WireValue> E parseWire(Class<E> type, String field, String value, String allowed) {
    return WireValue.parse(type, value).orElseThrow(
        () -> SwitchboardException.invalidField(field, field + " must be " + allowed));
  }

  /** A fingerprint of the request: the same Idempotency-Key with another body is a conflict. */
  public String fingerprint() {
    Map<String, Object> canonical = Json.obj(
        "country", country.wire(), "numberType", numberType.wire(), "areaCode", areaCode.orElse(null),
        "direction", direction.wire(), "address", address.map(a -> Json.obj(
            "customerName", a.customerName(), "street", a.street(), "city", a.city(),
            "region", a.region(), "postalCode", a.postalCode(), "isoCountry", a.isoCountry())).orElse(null));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Json.write(canonical).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
