package dev.switchboard.providers.twilio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberType;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.providers.Telephony.Address;
import dev.switchboard.providers.Telephony.AvailableNumber;
import dev.switchboard.providers.Telephony.NumberSearch;
import dev.switchboard.providers.Telephony.OwnedNumber;
import dev.switchboard.providers.Telephony.Subaccount;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.fake.FakeHttpServer.Recorded;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.Fault;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TwilioTelephony through the real twilio-java SDK, over HTTP, against the fake Twilio. */
class TwilioTelephonyTest {
  private static final String MASTER_SID = "AC0123456789abcdef0123456789abcdef";
  private static final String MASTER_TOKEN = "master-token-for-tests-0123456789";
  private static final Duration READ_TIMEOUT = Duration.ofMillis(1000);

  private FakeTwilio twilio;
  private TwilioTelephony telephony;

  @BeforeEach
  void start() {
    twilio = new FakeTwilio(MASTER_SID, MASTER_TOKEN);
    telephony = TwilioTelephony.from(settings(Map.of()));
  }

  @AfterEach
  void stop() {
    twilio.close();
  }

  private Settings settings(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
        "TWILIO_MASTER_ACCOUNT_SID", MASTER_SID,
        "TWILIO_MASTER_AUTH_TOKEN", MASTER_TOKEN,
        "TWILIO_API_BASE_URL", twilio.baseUrl(),
        "PROVIDER_CONNECT_TIMEOUT_MS", "1000",
        "PROVIDER_READ_TIMEOUT_MS", String.valueOf(READ_TIMEOUT.toMillis())));
    env.putAll(overrides);
    env.values().removeIf(String::isEmpty);
    return Settings.of(env);
  }

  private static E164Number e164(String value) {
    return new E164Number(value);
  }

  private static NumberSearch usLocal(String areaCode, int limit) {
    return new NumberSearch(Country.US, NumberType.LOCAL, Optional.ofNullable(areaCode), limit);
  }

  // ------------------------------------------------------------------ happy paths

  @Test
  void masterAccountSid_isTheConfiguredOne() {
    assertEquals(MASTER_SID, telephony.masterAccountSid());
  }

  @Test
  void createSubaccount_createsItUnderTheMasterWithItsOwnToken() {
    Subaccount sub = telephony.createSubaccount("Acme Dental");

    FakeTwilio.Account stored = twilio.subaccounts().get(0);
    assertEquals(stored.sid(), sub.sid());
    assertEquals(stored.authToken(), sub.authToken());
    assertEquals("Acme Dental", sub.friendlyName());
    assertEquals("active", sub.status());
    assertEquals(MASTER_SID, stored.ownerAccountSid());
    assertTrue(sub.sid().matches("AC[0-9a-f]{32}"));
  }

  @Test
  void createSubaccount_sendsTheMasterCredentialsAsBasicAuth() {
    telephony.createSubaccount("Acme");

    String header = lastRequest(FakeTwilio.CREATE_ACCOUNT).request().header("Authorization");
    String expected = Base64.getEncoder().encodeToString((MASTER_SID + ":" + MASTER_TOKEN).getBytes(StandardCharsets.UTF_8));
    assertEquals("Basic " + expected, header);
    assertEquals("Acme", lastRequest(FakeTwilio.CREATE_ACCOUNT).request().form().get("FriendlyName"));
  }

  @Test
  void createSubaccount_refusesANameLongerThanTwilioAllows_withoutCallingTwilio() {
    assertThrows(IllegalArgumentException.class, () -> telephony.createSubaccount("x".repeat(65)));
    assertEquals(0, twilio.count(FakeTwilio.CREATE_ACCOUNT));
  }

  @Test
  void findSubaccounts_findsOnlyThoseWithExactlyThatName_neverTheMaster() {
    Subaccount acme = telephony.createSubaccount("Acme");
    telephony.createSubaccount("Acme Ltd");

    List<Subaccount> found = telephony.findSubaccounts("Acme");

    assertEquals(List.of(acme.sid()), found.stream().map(Subaccount::sid).toList());
    assertEquals(acme.authToken(), found.get(0).authToken());
    assertEquals(List.of(), telephony.findSubaccounts("Switchboard master"));
  }

  @Test
  void searchAvailable_local_returnsVoiceNumbersInTheAreaCode_upToTheLimit() {
    List<AvailableNumber> found = telephony.searchAvailable(MASTER_SID, usLocal("212", 3));

    assertEquals(3, found.size());
    assertTrue(found.stream().allMatch(n -> n.phoneNumber().value().startsWith("+1212")), found::toString);
    assertEquals("New York", found.get(0).locality());
    assertEquals("NY", found.get(0).region());
    Map<String, String> query = lastRequest(FakeTwilio.SEARCH_LOCAL).request().queryParams();
    assertEquals("true", query.get("VoiceEnabled"));
    assertEquals("212", query.get("AreaCode"));
    assertEquals("3", query.get("PageSize"));
  }

  @Test
  void searchAvailable_tollFree_searchesTheTollFreeInventoryOfTheCountry() {
    List<AvailableNumber> found = telephony.searchAvailable(MASTER_SID,
        new NumberSearch(Country.GB, NumberType.TOLL_FREE, Optional.empty(), 2));

    assertEquals(2, found.size());
    assertTrue(found.get(0).phoneNumber().value().startsWith("+44808"), found::toString);
    assertEquals(1, twilio.count(FakeTwilio.SEARCH_TOLL_FREE));
    assertTrue(lastRequest(FakeTwilio.SEARCH_TOLL_FREE).request().path().contains("/AvailablePhoneNumbers/GB/"));
  }

  @Test
  void searchAvailable_runsUnderTheAccountItIsGiven() {
    Subaccount sub = telephony.createSubaccount("Acme");

    telephony.searchAvailable(sub.sid(), usLocal(null, 1));
    telephony.searchAvailable(MASTER_SID, usLocal(null, 1));

    List<String> paths = twilio.journal().stream()
        .filter(r -> FakeTwilio.SEARCH_LOCAL.equals(r.route()))
        .map(r -> r.request().pathParam("AccountSid"))
        .toList();
    assertEquals(List.of(sub.sid(), MASTER_SID), paths);
  }

  @Test
  void searchAvailable_whenNothingIsForSale_returnsNothing() {
    twilio.clearInventory();

    assertEquals(List.of(), telephony.searchAvailable(MASTER_SID, usLocal("415", 5)));
  }

  @Test
  void searchAvailable_offersThePinnedNumbers_exceptThoseSomeoneHolds() {
    twilio.pinAvailable("US", "Local", "+14155550142", "+14155550143");
    twilio.plantNumber(MASTER_SID, "+14155550142");

    List<AvailableNumber> found = telephony.searchAvailable(MASTER_SID, usLocal(null, 5));

    assertEquals(List.of(e164("+14155550143")), found.stream().map(AvailableNumber::phoneNumber).toList());
  }

  @Test
  void createAddress_createsItOnTheSubaccount() {
    Subaccount sub = telephony.createSubaccount("Acme");

    String sid = telephony.createAddress(sub.sid(),
        new Address("Acme Ltd", "1 High Street", "London", "London", "EC1A 1BB", "GB"));

    FakeTwilio.Address stored = twilio.addresses(sub.sid()).get(0);
    assertEquals(sid, stored.sid());
    assertTrue(sid.matches("AD[0-9a-f]{32}"));
    assertEquals(List.of("Acme Ltd", "1 High Street", "London", "London", "EC1A 1BB", "GB"),
        List.of(stored.customerName(), stored.street(), stored.city(), stored.region(), stored.postalCode(),
            stored.isoCountry()));
  }

  @Test
  void buy_putsTheNumberIntoTheSubaccount_withTheMasterCredentials() {
    Subaccount sub = telephony.createSubaccount("Acme");
    E164Number number = telephony.searchAvailable(sub.sid(), usLocal("415", 1)).get(0).phoneNumber();

    OwnedNumber owned = telephony.buy(sub.sid(), number, Optional.empty());

    assertEquals(number, owned.phoneNumber());
    assertEquals(sub.sid(), owned.accountSid());
    assertTrue(owned.sid().matches("PN[0-9a-f]{32}"));
    assertEquals(List.of(owned.sid()), twilio.numbersHeldBy(sub.sid()).stream().map(FakeTwilio.HeldNumber::sid).toList());
    String auth = lastRequest(FakeTwilio.BUY).request().header("Authorization");
    assertTrue(auth.endsWith(Base64.getEncoder().encodeToString((MASTER_SID + ":" + MASTER_TOKEN).getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void buy_aGbNumberWithTheSubaccountsAddress_succeeds() {
    Subaccount sub = telephony.createSubaccount("Acme");
    String address = telephony.createAddress(sub.sid(),
        new Address("Acme Ltd", "1 High Street", "London", "London", "EC1A 1BB", "GB"));
    E164Number number = telephony.searchAvailable(sub.sid(),
        new NumberSearch(Country.GB, NumberType.LOCAL, Optional.empty(), 1)).get(0).phoneNumber();

    OwnedNumber owned = telephony.buy(sub.sid(), number, Optional.of(address));

    assertEquals(number, owned.phoneNumber());
    assertEquals(address, twilio.heldNumber(number.value()).orElseThrow().addressSid());
  }

  @Test
  void buy_aGbNumberWithoutAnAddress_isRejectedWithTwiliosCode_andBuysNothing() {
    Subaccount sub = telephony.createSubaccount("Acme");
    E164Number number = telephony.searchAvailable(sub.sid(),
        new NumberSearch(Country.GB, NumberType.LOCAL, Optional.empty(), 1)).get(0).phoneNumber();

    ProviderRejected e = assertThrows(ProviderRejected.class, () -> telephony.buy(sub.sid(), number, Optional.empty()));

    assertEquals(400, e.status());
    assertEquals("21631", e.code());
    assertTrue(e.requestId().startsWith("RQ"), e.requestId());
    assertEquals(List.of(), twilio.heldNumbers());
  }

  @Test
  void buy_anAuNumberWithAnotherAccountsAddress_isRejected() {
    Subaccount acme = telephony.createSubaccount("Acme");
    Subaccount other = telephony.createSubaccount("Other");
    String othersAddress = telephony.createAddress(other.sid(),
        new Address("Other Pty", "1 George St", "Sydney", "NSW", "2000", "AU"));
    E164Number number = telephony.searchAvailable(acme.sid(),
        new NumberSearch(Country.AU, NumberType.LOCAL, Optional.empty(), 1)).get(0).phoneNumber();

    ProviderRejected e = assertThrows(ProviderRejected.class,
        () -> telephony.buy(acme.sid(), number, Optional.of(othersAddress)));

    assertEquals("21631", e.code());
  }

  @Test
  void buy_aNumberSomeoneHolds_isRejectedAsNotAvailable() {
    Subaccount sub = telephony.createSubaccount("Acme");
    twilio.plantNumber(MASTER_SID, "+14155550100");

    ProviderRejected e = assertThrows(ProviderRejected.class,
        () -> telephony.buy(sub.sid(), e164("+14155550100"), Optional.empty()));

    assertEquals("21422", e.code());
    assertEquals(List.of(), twilio.numbersHeldBy(sub.sid()));
  }

  @Test
  void findOwned_findsABoughtNumber_andNothingForANumberNotHeld() {
    Subaccount sub = telephony.createSubaccount("Acme");
    OwnedNumber bought = telephony.buy(sub.sid(), e164("+14155550123"), Optional.empty());

    assertEquals(Optional.of(bought), telephony.findOwned(sub.sid(), e164("+14155550123")));
    assertEquals(Optional.empty(), telephony.findOwned(sub.sid(), e164("+14155550124")));
    assertEquals(Optional.empty(), telephony.findOwned(MASTER_SID, e164("+14155550123")));
  }

  @Test
  void findOwned_ignoresNumbersThatOnlyContainTheOneAskedFor() {
    Subaccount sub = telephony.createSubaccount("Acme");
    twilio.plantNumber(sub.sid(), "+14155550100");

    // Twilio's PhoneNumber filter matches partial numbers
    assertEquals(Optional.empty(), telephony.findOwned(sub.sid(), e164("+1415555010")));
  }

  @Test
  void listOwned_returnsEveryNumber_followingThePages() {
    Subaccount sub = telephony.createSubaccount("Acme");
    for (int i = 0; i < 1001; i++) {
      twilio.plantNumber(sub.sid(), String.format("+1415666%04d", i));
    }
    twilio.plantNumber(MASTER_SID, "+14157770000");

    List<OwnedNumber> owned = telephony.listOwned(sub.sid());

    assertEquals(1001, owned.size());
    assertEquals(1001, owned.stream().map(OwnedNumber::phoneNumber).distinct().count());
    assertTrue(owned.stream().allMatch(n -> n.accountSid().equals(sub.sid())));
    assertEquals(2, twilio.count(FakeTwilio.LIST_NUMBERS));
  }

  @Test
  void release_releasesTheNumber_andSaysFalseWhenItWasAlreadyGone() {
    Subaccount sub = telephony.createSubaccount("Acme");
    OwnedNumber owned = telephony.buy(sub.sid(), e164("+14155550100"), Optional.empty());

    assertTrue(telephony.release(sub.sid(), owned.sid()));
    assertEquals(List.of(), twilio.heldNumbers());
    assertFalse(telephony.release(sub.sid(), owned.sid()));
  }

  @Test
  void release_ofAnUnknownSid_isFalse() {
    assertFalse(telephony.release(MASTER_SID, "PN00000000000000000000000000000000"));
  }

  // ------------------------------------------------------------------ failures

  @Test
  void aServerError_isUnavailable_atOnce_withoutTheSdkRepeatingThePurchase() {
    twilio.failAlways(FakeTwilio.BUY, Fault.status(500));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class,
        () -> telephony.buy(MASTER_SID, e164("+14155550100"), Optional.empty()));

    assertEquals(500, e.status());
    assertEquals(1, twilio.count(FakeTwilio.BUY)); // the SDK alone would have tried three times
    assertTrue(e.requestId().startsWith("RQ"));
  }

  @Test
  void tooManyRequests_isUnavailable() {
    twilio.failNext(FakeTwilio.LIST_NUMBERS, Fault.status(429, "20429", "Too Many Requests"));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> telephony.listOwned(MASTER_SID));

    assertEquals(429, e.status());
    assertEquals(1, twilio.count(FakeTwilio.LIST_NUMBERS));
  }

  @Test
  void aClientError_isRejected_withTwiliosCode() {
    twilio.failNext(FakeTwilio.CREATE_ADDRESS, Fault.status(400, "21628", "Address Validation Error"));

    ProviderRejected e = assertThrows(ProviderRejected.class, () -> telephony.createAddress(MASTER_SID,
        new Address("Acme", "1 Nowhere", "Nowhere", "NW", "00000", "GB")));

    assertEquals(400, e.status());
    assertEquals("21628", e.code());
    assertEquals("twilio", e.provider());
    assertEquals("createAddress", e.operation());
    assertEquals(List.of(), twilio.addresses(MASTER_SID));
  }

  @Test
  void aSlowTwilio_isUnavailable_becauseTheReadTimedOut_afterOneAttempt() {
    // the fake holds the call for minutes: only the client's read timeout can end it this soon
    twilio.failNext(FakeTwilio.SEARCH_LOCAL, Fault.delay(Duration.ofMinutes(5)));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class,
        () -> telephony.searchAvailable(MASTER_SID, usLocal("415", 1)));

    assertEquals(0, e.status());
    assertInstanceOf(SocketTimeoutException.class, e.getCause(), "the read timed out: " + e.getMessage());
    assertEquals(0, twilio.count(FakeTwilio.SEARCH_LOCAL), "the fake still holds the one call: not retried, not answered");
  }

  @Test
  void aDroppedConnection_isUnavailable() {
    twilio.failNext(FakeTwilio.RELEASE, Fault.drop());

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class,
        () -> telephony.release(MASTER_SID, "PN00000000000000000000000000000000"));

    assertEquals(0, e.status());
    assertEquals(1, twilio.count(FakeTwilio.RELEASE));
  }

  @Test
  void aPurchaseThatLandsAfterTheTimeout_isUnavailable_andThenFoundOwned() throws InterruptedException {
    Subaccount sub = telephony.createSubaccount("Acme");
    twilio.failNext(FakeTwilio.BUY, Fault.lateSuccess(Duration.ofMillis(2000)));

    assertThrows(ProviderUnavailable.class, () -> telephony.buy(sub.sid(), e164("+14155550100"), Optional.empty()));
    Await.until("the late purchase landed", () -> twilio.heldNumber("+14155550100").isPresent());

    OwnedNumber found = telephony.findOwned(sub.sid(), e164("+14155550100")).orElseThrow();
    assertEquals(twilio.heldNumber("+14155550100").orElseThrow().sid(), found.sid());
  }

  @Test
  void noServerListening_isUnavailable() {
    FakeTwilio gone = new FakeTwilio(MASTER_SID, MASTER_TOKEN);
    String closedUrl = gone.baseUrl();
    gone.close();
    TwilioTelephony unreachable = TwilioTelephony.from(settings(Map.of("TWILIO_API_BASE_URL", closedUrl)));

    ProviderUnavailable e = assertThrows(ProviderUnavailable.class, () -> unreachable.listOwned(MASTER_SID));

    assertEquals(0, e.status());
  }

  @Test
  void wrongCredentials_areRejectedAs401() {
    TwilioTelephony wrong = TwilioTelephony.from(settings(Map.of("TWILIO_MASTER_AUTH_TOKEN", "not-the-token")));

    ProviderRejected e = assertThrows(ProviderRejected.class, () -> wrong.createSubaccount("Acme"));

    assertEquals(401, e.status());
    assertEquals("20003", e.code());
    assertEquals(List.of(), twilio.subaccounts());
  }

  @Test
  void anAccountTheMasterDoesNotOwn_isRejectedAs401() {
    ProviderRejected e = assertThrows(ProviderRejected.class,
        () -> telephony.listOwned("ACffffffffffffffffffffffffffffffff"));

    assertEquals(401, e.status());
  }

  // ------------------------------------------------------------------ configuration and secrets

  @Test
  void from_withoutTheMasterAuthToken_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> TwilioTelephony.from(settings(Map.of("TWILIO_MASTER_AUTH_TOKEN", ""))));

    assertEquals("TWILIO_MASTER_AUTH_TOKEN", e.name());
    assertTrue(e.getMessage().contains("TWILIO_MASTER_AUTH_TOKEN"));
  }

  @Test
  void from_withoutTheMasterSid_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> TwilioTelephony.from(settings(Map.of("TWILIO_MASTER_ACCOUNT_SID", ""))));

    assertEquals("TWILIO_MASTER_ACCOUNT_SID", e.name());
  }

  @Test
  void from_withABaseUrlThatIsNotHttp_failsNamingIt() {
    MissingConfigException e = assertThrows(MissingConfigException.class,
        () -> TwilioTelephony.from(settings(Map.of("TWILIO_API_BASE_URL", "api.twilio.com"))));

    assertEquals("TWILIO_API_BASE_URL", e.name());
  }

  @Test
  void tokens_neverAppearInExceptionsOrToString() {
    Subaccount sub = telephony.createSubaccount("Acme");
    assertFalse(sub.toString().contains(sub.authToken()));
    for (String route : List.of(FakeTwilio.CREATE_ACCOUNT, FakeTwilio.LIST_ACCOUNTS, FakeTwilio.BUY,
        FakeTwilio.LIST_NUMBERS, FakeTwilio.RELEASE)) {
      // Twilio's error message echoing what it was sent is the worst case
      twilio.failAlways(route, Fault.status(400, "21999", "bad request " + sub.authToken() + " " + MASTER_TOKEN));
    }
    twilio.failAlways(FakeTwilio.SEARCH_LOCAL, Fault.status(503, null, "down " + sub.authToken()));

    List<Executable> calls = List.of(
        () -> telephony.createSubaccount("Acme"),
        () -> telephony.findSubaccounts("Acme"),
        () -> telephony.buy(sub.sid(), e164("+14155550100"), Optional.empty()),
        () -> telephony.listOwned(sub.sid()),
        () -> telephony.release(sub.sid(), "PN00000000000000000000000000000000"),
        () -> telephony.searchAvailable(sub.sid(), usLocal(null, 1)));
    for (Executable call : calls) {
      ProviderException e = assertThrows(ProviderException.class, call::run);
      String everything = e + "\n" + stackTrace(e);
      assertFalse(everything.contains(sub.authToken()), everything);
      assertFalse(everything.contains(MASTER_TOKEN), everything);
    }
  }

  private interface Executable {
    void run() throws Throwable;
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private Recorded lastRequest(String route) {
    List<Recorded> calls = twilio.journal().stream().filter(r -> route.equals(r.route())).toList();
    return calls.get(calls.size() - 1);
  }

  @Test
  void primeOffline_warmsTheSdkWithoutAnyRequest() {
    telephony.primeOffline();
    assertEquals(0, twilio.journal().size());
  }
}
