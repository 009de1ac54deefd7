package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.limits.RateLimit;
import dev.switchboard.limits.RateLimits;
import dev.switchboard.org.Organizations;
import dev.switchboard.providers.Telephony;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** GET /phone-numbers/available: voice-enabled numbers for sale, searched under the platform account. */
public final class SearchAvailableNumbers {
  private static final Set<String> PARAMS = Set.of("country", "numberType", "areaCode", "limit");
  private static final Pattern AREA_CODE = Pattern.compile("[2-9][0-9]{2}");
  private static final Pattern LIMIT = Pattern.compile("[0-9]{1,2}");

  private final Database db;
  private final Telephony telephony;
  private final RateLimit limit;
  private final Organizations organizations = new Organizations();
  private final RateLimits rateLimits = new RateLimits();

  /** {@code limit}: searches per organisation (each one is a call on the platform's Twilio account). */
  public SearchAvailableNumbers(Database db, Telephony telephony, RateLimit limit) {
    this.db = db;
    this.telephony = telephony;
    this.limit = limit;
  }

  /** Validates the query string (every parameter, before any provider call). */
  public static Telephony.NumberSearch parse(Map<String, String> query) {
    for (String name : query.keySet()) {
      if (!PARAMS.contains(name)) {
        throw SwitchboardException.invalidField(name, "unknown query parameter \"" + name + "\"");
      }
    }
    String countryText = Optional.ofNullable(query.get("country"))
        .orElseThrow(() -> SwitchboardException.invalidField("country", "country is required"));
    Country country = ProvisionRequest.parseWire(Country.class, "country", countryText, "US, GB, CA or AU");
    NumberType type = ProvisionRequest.parseWire(NumberType.class, "numberType",
        query.getOrDefault("numberType", "local"), "local or toll_free");
    Optional<String> areaCode = Optional.ofNullable(query.get("areaCode"));
    if (areaCode.isPresent()) {
      if (country != Country.US && country != Country.CA) {
        throw SwitchboardException.invalidField("areaCode", "areaCode can be given for US and CA numbers only");
      }
      if (!AREA_CODE.matcher(areaCode.get()).matches()) {
        throw SwitchboardException.invalidField("areaCode", "areaCode must be three digits, such as 415");
      }
    }
    String limitText = query.getOrDefault("limit", "5");
    if (!LIMIT.matcher(limitText).matches() || Integer.parseInt(limitText) < 1 || Integer.parseInt(limitText) > 20) {
      throw SwitchboardException.invalidField("limit", "limit must be a whole number from 1 to 20");
    }
    return new Telephony.NumberSearch(country, type, areaCode, Integer.parseInt(limitText));
  }

  public Map<String, Object> search(OrgId orgId, Telephony.NumberSearch search) {
    db.useTransaction(tx -> {
      organizations.require(tx, orgId);
      rateLimits.take(tx, orgId, limit, "number searches");
    });
    List<Map<String, Object>> found = telephony.searchAvailable(telephony.masterAccountSid(), search).stream()
        .limit(search.limit())
        .map(n -> Json.obj("phoneNumber", n.phoneNumber().value(), "locality", n.locality(), "region", n.region()))
        .toList();
    return Json.obj("numbers", found);
  }
}
