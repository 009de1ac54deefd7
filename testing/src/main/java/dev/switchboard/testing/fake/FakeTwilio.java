package dev.switchboard.testing.fake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Twilio's REST API 2010-04-01 as twilio-java 13 calls it: form-encoded POSTs to {@code .json}
 * paths, JSON answers with snake_case fields, list pages in the legacy envelope
 * ({@code uri}, {@code first_page_uri}, {@code next_page_uri}, {@code page}, {@code page_size}),
 * errors as {@code {"code":20404,"message":…,"more_info":…,"status":404}}, and every answer
 * carrying a {@code Twilio-Request-Id}.
 *
 * <p>It covers what Switchboard uses: subaccounts, the available-number search (Local and
 * TollFree, from a deterministic inventory: {@link FakeTwilioInventory}), regulatory
 * Addresses, and buying, listing, fetching and releasing incoming numbers, with Twilio's rules:
 * a GB or AU number needs an Address of the buying account in that country (21631), a number
 * held by anyone or not for sale cannot be bought (21422), an unknown number is 404 (20404).
 *
 * <p>HTTP Basic auth as Twilio checks it: the master SID/token may act on the master account
 * and on every subaccount it created; a subaccount's own SID/token only on itself; anything
 * else is 401 (20003).
 *
 * <p>State is exposed for assertions ({@link #numbersHeldBy}, {@link #heldNumbers},
 * {@link #subaccounts}, {@link #addresses}) and can be arranged ({@link #plantNumber},
 * {@link #clearInventory}, {@link #pinAvailable}).
 */
public final class FakeTwilio extends FakeHttpServer {
  public static final String CREATE_ACCOUNT = "accounts.create";
  public static final String LIST_ACCOUNTS = "accounts.list";
  public static final String SEARCH_LOCAL = "available-phone-numbers.local";
  public static final String SEARCH_TOLL_FREE = "available-phone-numbers.toll-free";
  public static final String CREATE_ADDRESS = "addresses.create";
  public static final String BUY = "incoming-numbers.create";
  public static final String LIST_NUMBERS = "incoming-numbers.list";
  public static final String FETCH_NUMBER = "incoming-numbers.fetch";
  public static final String RELEASE = "incoming-numbers.delete";

  /** Credentials for tests that do not care which are used (obviously fake). */
  public static final String DEFAULT_MASTER_SID = "AC00000000000000000000000000000001";
  public static final String DEFAULT_MASTER_TOKEN = "twilio-master-token-for-tests";

  private static final int DEFAULT_PAGE_SIZE = 50;
  private static final int MAX_PAGE_SIZE = 1000;
  private static final String API = "/2010-04-01";

  /** An account: the master, or a subaccount it created. */
  public record Account(String sid, String authToken, String friendlyName, String status,
                        String ownerAccountSid, Instant createdAt) {
    @Override
    public String toString() {
      return "Account[" + sid + ", " + friendlyName + ", " + status + "]"; // never the token
    }
  }

  /** A regulatory Address on an account. */
  public record Address(String sid, String accountSid, String customerName, String street, String city,
                        String region, String postalCode, String isoCountry, Instant createdAt) {}

  /**
   * A number an account holds (an IncomingPhoneNumber). {@code type} is "local" for a number
   * bought from the Local inventory and null otherwise: Twilio's document shows "local" and names
   * no other value.
   */
  public record HeldNumber(String sid, String accountSid, String phoneNumber, String addressSid,
                       String friendlyName, Instant createdAt, String type) {}

  private final String masterSid;
  private final Map<String, Account> accounts = new LinkedHashMap<>();
  private final Map<String, Address> addresses = new LinkedHashMap<>();
  private final Map<String, HeldNumber> numbers = new LinkedHashMap<>();
  private final FakeTwilioInventory inventory = new FakeTwilioInventory();

  public FakeTwilio() {
    this(DEFAULT_MASTER_SID, DEFAULT_MASTER_TOKEN);
  }

  public FakeTwilio(String masterSid, String masterToken) {
    this.masterSid = masterSid;
    accounts.put(masterSid, new Account(masterSid, masterToken, "Switchboard master", "active", masterSid,
        Instant.now()));
    route(CREATE_ACCOUNT, "POST", API + "/Accounts.json", this::createAccount);
    route(LIST_ACCOUNTS, "GET", API + "/Accounts.json", this::listAccounts);
    route(SEARCH_LOCAL, "GET", API + "/Accounts/{AccountSid}/AvailablePhoneNumbers/{Country}/Local.json",
        r -> search(r, FakeTwilioInventory.LOCAL));
    route(SEARCH_TOLL_FREE, "GET", API + "/Accounts/{AccountSid}/AvailablePhoneNumbers/{Country}/TollFree.json",
        r -> search(r, FakeTwilioInventory.TOLL_FREE));
    route(CREATE_ADDRESS, "POST", API + "/Accounts/{AccountSid}/Addresses.json", this::createAddress);
    route(BUY, "POST", API + "/Accounts/{AccountSid}/IncomingPhoneNumbers.json", this::buy);
    route(LIST_NUMBERS, "GET", API + "/Accounts/{AccountSid}/IncomingPhoneNumbers.json", this::listNumbers);
    route(FETCH_NUMBER, "GET", API + "/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", this::fetchNumber);
    route(RELEASE, "DELETE", API + "/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", this::release);
    start();
  }

  // ------------------------------------------------------------------ helpers for tests

  public String masterAccountSid() {
    return masterSid;
  }

  /** Promotes a new master auth token, as Twilio's rotation does: the old one is refused (401, 20003) at once. */
  public synchronized void rollMasterAuthToken(String newToken) {
    Account master = accounts.get(masterSid);
    accounts.put(masterSid, new Account(master.sid(), newToken, master.friendlyName(), master.status(),
        master.ownerAccountSid(), master.createdAt()));
  }

  /** Every subaccount the master created, oldest first. */
  public synchronized List<Account> subaccounts() {
    return accounts.values().stream().filter(a -> !a.sid().equals(masterSid)).toList();
  }

  public synchronized Optional<Account> account(String sid) {
    return Optional.ofNullable(accounts.get(sid));
  }

  /** Adds a subaccount as if created earlier (a creation whose answer was lost, say). */
  public synchronized Account plantSubaccount(String friendlyName) {
    return storeAccount(friendlyName);
  }

  public synchronized List<Address> addresses(String accountSid) {
    return addresses.values().stream().filter(a -> a.accountSid().equals(accountSid)).toList();
  }

  /** Numbers the account holds, in purchase order. */
  public synchronized List<HeldNumber> numbersHeldBy(String accountSid) {
    return numbers.values().stream().filter(n -> n.accountSid().equals(accountSid)).toList();
  }

  /** Every number held by any account. */
  public synchronized List<HeldNumber> heldNumbers() {
    return List.copyOf(numbers.values());
  }

  public synchronized Optional<HeldNumber> heldNumber(String e164) {
    return numbers.values().stream().filter(n -> n.phoneNumber().equals(e164)).findFirst();
  }

  /** Puts a number into the account as if bought outside Switchboard: an orphan to find. */
  public synchronized HeldNumber plantNumber(String accountSid, String e164) {
    requireAccount(accountSid);
    return storeNumber(accountSid, e164, null);
  }

  /** Takes a number away as if released outside Switchboard (in the console, say). */
  public synchronized void removeNumber(String e164) {
    numbers.values().removeIf(n -> n.phoneNumber().equals(e164));
  }

  /** Nothing is for sale any more: every search comes back empty, every purchase 21422. */
  public synchronized void clearInventory() {
    inventory.clear();
  }

  /**
   * From now on the country ("US", "GB", …) and type ("Local" or "TollFree") offer exactly
   * these numbers, minus those someone holds.
   */
  public synchronized void pinAvailable(String country, String type, String... e164) {
    if (!type.equals(FakeTwilioInventory.LOCAL) && !type.equals(FakeTwilioInventory.TOLL_FREE)) {
      throw new IllegalArgumentException("type is Local or TollFree");
    }
    List<FakeTwilioInventory.Offer> offers = new ArrayList<>();
    for (String number : e164) {
      offers.add(new FakeTwilioInventory.Offer(number, country, type, null, null,
          country.equals("GB") || country.equals("AU")));
    }
    inventory.pin(country, type, offers);
  }

  // ------------------------------------------------------------------ state kept between runs

  /** Everything the fake holds but its master account (which its constructor makes). */
  public record State(List<Account> subaccounts, List<Address> addresses, List<HeldNumber> numbers) {}

  public synchronized State state() {
    return new State(subaccounts(), List.copyOf(addresses.values()), List.copyOf(numbers.values()));
  }

  /** Puts back what {@link #state} returned, in its order (subaccounts of this master only). */
  public synchronized void restore(State state) {
    for (Account account : state.subaccounts()) {
      if (!account.ownerAccountSid().equals(masterSid)) {
        throw new IllegalArgumentException("subaccount " + account.sid() + " belongs to another master account");
      }
      accounts.put(account.sid(), account);
    }
    state.addresses().forEach(a -> addresses.put(a.sid(), a));
    state.numbers().forEach(n -> numbers.put(n.sid(), n));
  }

  // ------------------------------------------------------------------ routes

  private synchronized FakeResponse createAccount(FakeRequest request) {
    String caller = caller(request);
    if (!caller.equals(masterSid)) {
      // a subaccount cannot create subaccounts
      throw new FakeError(401, "20003", "Authenticate");
    }
    String name = request.form().getOrDefault("FriendlyName", "SubAccount Created at " + Instant.now());
    if (name.length() > 64) {
      throw new FakeError(400, "21626", "FriendlyName must be at most 64 characters");
    }
    return created(FakeTwilioRecords.account(storeAccount(name)));
  }

  private synchronized FakeResponse listAccounts(FakeRequest request) {
    String caller = caller(request);
    Map<String, String> query = request.queryParams();
    String name = query.get("FriendlyName");
    String status = query.get("Status");
    List<Object> visible = accounts.values().stream()
        .filter(a -> caller.equals(masterSid) ? a.ownerAccountSid().equals(masterSid) : a.sid().equals(caller))
        .filter(a -> name == null || a.friendlyName().equals(name))
        .filter(a -> status == null || a.status().equals(status))
        .map(a -> (Object) FakeTwilioRecords.account(a))
        .toList();
    return page(request, API + "/Accounts.json", "accounts", visible);
  }

  private synchronized FakeResponse search(FakeRequest request, String type) {
    String country = request.pathParam("Country");
    if (!country.matches("[A-Z]{2}")) {
      throw new FakeError(404, "20404", "The requested resource " + request.path() + " was not found");
    }
    Map<String, String> query = request.queryParams();
    String areaCode = query.get("AreaCode");
    if (areaCode != null && !areaCode.matches("[0-9]{1,4}")) {
      throw new FakeError(400, "21452", "AreaCode must be numeric");
    }
    if ("false".equalsIgnoreCase(query.get("VoiceEnabled"))) {
      // every number in this inventory is voice-enabled
      return available(request, List.of());
    }
    int limit = pageSize(query);
    Predicate<String> held = e164 -> heldNumber(e164).isPresent();
    List<Object> offers = inventory.search(country, type, areaCode, held, limit).stream()
        .map(o -> (Object) FakeTwilioRecords.available(o))
        .toList();
    return available(request, offers);
  }

  private synchronized FakeResponse createAddress(FakeRequest request) {
    String account = request.pathParam("AccountSid");
    Map<String, String> form = request.form();
    for (String field : List.of("CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry")) {
      if (form.getOrDefault(field, "").isBlank()) {
        throw new FakeError(400, "21604", "Missing required parameter " + field + " in the post body");
      }
    }
    String iso = form.get("IsoCountry");
    if (!iso.matches("[A-Z]{2}")) {
      throw new FakeError(400, "21238", "IsoCountry is not a valid ISO 3166-1 alpha-2 code");
    }
    Address address = new Address(sid("AD"), account, form.get("CustomerName"), form.get("Street"),
        form.get("City"), form.get("Region"), form.get("PostalCode"), iso, Instant.now());
    addresses.put(address.sid(), address);
    return created(FakeTwilioRecords.address(address));
  }

  private synchronized FakeResponse buy(FakeRequest request) {
    String account = request.pathParam("AccountSid");
    Map<String, String> form = request.form();
    String e164 = form.get("PhoneNumber");
    if (e164 == null || e164.isBlank()) {
      throw new FakeError(400, "21604", "A 'PhoneNumber' or 'AreaCode' is required.");
    }
    Optional<FakeTwilioInventory.Offer> offer = inventory.lookup(e164);
    if (offer.isEmpty() || heldNumber(e164).isPresent()) {
      throw new FakeError(400, "21422", "Phone Number is not available");
    }
    String addressSid = form.get("AddressSid");
    if (offer.get().needsAddress()) {
      Address address = addressSid == null ? null : addresses.get(addressSid);
      if (address == null || !address.accountSid().equals(account)
          || !address.isoCountry().equals(offer.get().country())) {
        throw new FakeError(400, "21631", "Phone Number Requires an Address");
      }
    }
    HeldNumber number = storeNumber(account, e164, addressSid);
    return created(FakeTwilioRecords.incomingNumber(number));
  }

  private synchronized FakeResponse listNumbers(FakeRequest request) {
    String account = request.pathParam("AccountSid");
    String filter = request.queryParams().get("PhoneNumber");
    List<Object> held = numbers.values().stream()
        .filter(n -> n.accountSid().equals(account))
        .filter(n -> filter == null || n.phoneNumber().contains(filter))
        .map(n -> (Object) FakeTwilioRecords.incomingNumber(n))
        .toList();
    return page(request, API + "/Accounts/" + account + "/IncomingPhoneNumbers.json", "incoming_phone_numbers", held);
  }

  private synchronized FakeResponse fetchNumber(FakeRequest request) {
    return FakeResponse.json(200, toJson(FakeTwilioRecords.incomingNumber(existing(request))))
        .withHeader("Twilio-Request-Id", sid("RQ"));
  }

  private synchronized FakeResponse release(FakeRequest request) {
    numbers.remove(existing(request).sid());
    return FakeResponse.noContent().withHeader("Twilio-Request-Id", sid("RQ"));
  }

  private HeldNumber existing(FakeRequest request) {
    HeldNumber number = numbers.get(request.pathParam("Sid"));
    if (number == null || !number.accountSid().equals(request.pathParam("AccountSid"))) {
      throw new FakeError(404, "20404", "The requested resource " + request.path() + " was not found");
    }
    return number;
  }

  // ------------------------------------------------------------------ state

  private Account storeAccount(String friendlyName) {
    Account account = new Account(sid("AC"), UUID.randomUUID().toString().replace("-", ""), friendlyName,
        "active", masterSid, Instant.now());
    accounts.put(account.sid(), account);
    return account;
  }

  private HeldNumber storeNumber(String accountSid, String e164, String addressSid) {
    Optional<FakeTwilioInventory.Offer> offer = inventory.lookup(e164);
    HeldNumber number = new HeldNumber(sid("PN"), accountSid, e164, addressSid,
        offer.map(FakeTwilioInventory.Offer::friendlyName).orElse(e164), Instant.now(),
        offer.filter(o -> o.type().equals(FakeTwilioInventory.LOCAL)).map(o -> "local").orElse(null));
    numbers.put(number.sid(), number);
    return number;
  }

  private void requireAccount(String accountSid) {
    if (!accounts.containsKey(accountSid)) {
      throw new IllegalArgumentException("no account " + accountSid + " in the fake");
    }
  }

  private static String sid(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "");
  }

  // ------------------------------------------------------------------ Twilio's wire details

  private static FakeResponse created(Map<String, Object> body) {
    return FakeResponse.json(201, toJson(body)).withHeader("Twilio-Request-Id", sid("RQ"));
  }

  /** The legacy list envelope the SDK's Page parser reads, paged by Page and PageSize. */
  private static FakeResponse page(FakeRequest request, String path, String key, List<Object> all) {
    Map<String, String> query = request.queryParams();
    int size = pageSize(query);
    int page = intParam(query, "Page", 0);
    int start = Math.min(page * size, all.size());
    int end = Math.min(start + size, all.size());
    Map<String, String> filters = new LinkedHashMap<>(query);
    filters.remove("Page");
    filters.remove("PageSize");
    filters.remove("PageToken");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("first_page_uri", pageUri(path, filters, size, 0));
    body.put("end", Math.max(end - 1, 0));
    body.put("previous_page_uri", page == 0 ? null : pageUri(path, filters, size, page - 1));
    body.put(key, all.subList(start, end));
    body.put("uri", pageUri(path, filters, size, page));
    body.put("page_size", size);
    body.put("start", start);
    body.put("next_page_uri", end < all.size() ? pageUri(path, filters, size, page + 1) : null);
    body.put("page", page);
    return FakeResponse.json(200, toJson(body)).withHeader("Twilio-Request-Id", sid("RQ"));
  }

  /** AvailablePhoneNumbers answers with one page only and no paging links. */
  private static FakeResponse available(FakeRequest request, List<Object> offers) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("available_phone_numbers", offers);
    body.put("uri", request.path() + (request.query() == null ? "" : "?" + request.query()));
    return FakeResponse.json(200, toJson(body)).withHeader("Twilio-Request-Id", sid("RQ"));
  }

  private static String pageUri(String path, Map<String, String> filters, int size, int page) {
    StringBuilder uri = new StringBuilder(path).append('?');
    filters.forEach((k, v) -> uri.append(encode(k)).append('=').append(encode(v)).append('&'));
    return uri.append("PageSize=").append(size).append("&Page=").append(page).toString();
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static int pageSize(Map<String, String> query) {
    int size = intParam(query, "PageSize", DEFAULT_PAGE_SIZE);
    if (size < 1 || size > MAX_PAGE_SIZE) {
      throw new FakeError(400, "20001", "PageSize must be between 1 and " + MAX_PAGE_SIZE);
    }
    return size;
  }

  private static int intParam(Map<String, String> query, String name, int fallback) {
    String value = query.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new FakeError(400, "20001", name + " must be an integer");
    }
  }

  /** The account SID the Basic credentials name (authenticate has checked them). */
  private static String caller(FakeRequest request) {
    return credentials(request)[0];
  }

  private static String[] credentials(FakeRequest request) {
    String header = request.header("Authorization");
    if (header == null || !header.startsWith("Basic ")) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  @Override
  protected synchronized FakeResponse authenticate(FakeRequest request) {
    String[] credentials = credentials(request);
    Account caller = credentials == null ? null : accounts.get(credentials[0]);
    if (caller == null || !caller.authToken().equals(credentials[1]) || !caller.status().equals("active")) {
      return errorResponse(401, "20003", "Authenticate");
    }
    String target = request.pathParam("AccountSid");
    if (target == null || target.equals(caller.sid())) {
      return null;
    }
    Account account = accounts.get(target);
    boolean ownedByCaller = account != null && account.ownerAccountSid().equals(caller.sid());
    return ownedByCaller ? null : errorResponse(401, "20003", "Authenticate");
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    Integer twilioCode = code != null && code.matches("[0-9]+") ? Integer.valueOf(code) : defaultCode(status);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", twilioCode);
    body.put("message", message == null ? defaultMessage(status) : message);
    body.put("more_info", twilioCode == null ? null : "https://www.twilio.com/docs/errors/" + twilioCode);
    body.put("status", status);
    return FakeResponse.json(status, toJson(body)).withHeader("Twilio-Request-Id", sid("RQ"));
  }

  private static Integer defaultCode(int status) {
    switch (status) {
      case 401: return 20003;
      case 404: return 20404;
      case 429: return 20429;
      case 500: return 20500;
      case 503: return 20503;
      default: return null;
    }
  }

  private static String defaultMessage(int status) {
    switch (status) {
      case 401: return "Authenticate";
      case 404: return "The requested resource was not found";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      default: return "HTTP " + status;
    }
  }
}
