package dev.switchboard.providers.twilio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.Account;
import com.twilio.rest.api.v2010.account.IncomingPhoneNumber;
import com.twilio.rest.api.v2010.account.availablephonenumbercountry.Local;
import com.twilio.rest.api.v2010.account.availablephonenumbercountry.TollFree;
import com.twilio.type.PhoneNumber;
import dev.switchboard.config.Credential;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberType;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metrics;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderSettings;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.providers.Telephony;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.StreamSupport;

/**
 * {@link Telephony} over twilio-java 13: one {@link TwilioRestClient} with the master
 * credentials, no {@code Twilio.init} global. Every call names its account in the path
 * ({@code pathAccountSid}), so the master credentials act on a subaccount without ever needing
 * the subaccount's token.
 *
 * <p>The master auth token is a {@link Credential}: read per call from {@link Settings} (which
 * caches it for a bounded age and forgets it after a SnapStart restore), and the client is
 * rebuilt only when the token read differs from the one it was built with. When Twilio answers
 * 401 the token is read again once, and the call repeated only if it changed (a rotation).
 *
 * <p>Failures become our two exceptions: a 4xx other than 429 is {@link ProviderRejected} (with
 * Twilio's code), anything else (5xx, 429, no answer, an answer we cannot read) is
 * {@link ProviderUnavailable}: the call may have happened. Their messages are ours; the SDK's
 * exception is not chained because its message can quote Twilio's response body.
 */
public final class TwilioTelephony implements Telephony {
  public static final String DEFAULT_BASE_URL = "https://api.twilio.com";
  private static final String PROVIDER = "twilio";
  private static final int MAX_FRIENDLY_NAME = 64;
  private static final long LIST_PAGE_SIZE = 1000; // Twilio's maximum: fewest round trips
  private static final Log LOG = Log.of(TwilioTelephony.class);

  private final String masterSid;
  private final Credential masterToken;
  private final TwilioHttpClient http;
  private volatile Client built;

  /** The SDK client and the token it was built with. */
  private record Client(String token, TwilioRestClient rest) {
    @Override
    public String toString() {
      return "Client[" + rest.getAccountSid() + "]"; // never the token
    }
  }

  public TwilioTelephony(String masterSid, Credential masterToken, String baseUrl, ProviderSettings settings) {
    this.masterSid = masterSid;
    this.masterToken = masterToken;
    this.http = new TwilioHttpClient(baseUrl, settings);
    client(masterToken.current()); // the token is required at start, as every other setting
  }

  /** From TWILIO_MASTER_ACCOUNT_SID, TWILIO_MASTER_AUTH_TOKEN, TWILIO_API_BASE_URL and the timeouts. */
  public static TwilioTelephony from(Settings settings) {
    String sid = settings.require("TWILIO_MASTER_ACCOUNT_SID");
    if (!sid.startsWith("AC")) {
      throw new MissingConfigException("TWILIO_MASTER_ACCOUNT_SID", "TWILIO_MASTER_ACCOUNT_SID must be an account SID (AC…)");
    }
    Credential token = new Credential(settings, "TWILIO_MASTER_AUTH_TOKEN");
    String baseUrl = settings.getOrDefault("TWILIO_API_BASE_URL", DEFAULT_BASE_URL);
    if (!isHttpUrl(baseUrl)) {
      throw new MissingConfigException("TWILIO_API_BASE_URL", "TWILIO_API_BASE_URL must be an http(s) URL");
    }
    return new TwilioTelephony(sid, token, baseUrl, ProviderSettings.from(settings));
  }

  /**
   * The SDK's cost is in its first use: Jackson and the resource classes it reads answers
   * into. Reading canned answers with the client's own mapper loads and warms both; nothing
   * is sent.
   */
  @Override
  public void primeOffline() {
    ObjectMapper mapper = client(masterToken.current()).getObjectMapper();
    IncomingPhoneNumber.fromJson("{\"sid\":\"PN" + "0".repeat(32) + "\",\"account_sid\":\"" + masterSid
        + "\",\"phone_number\":\"+14155550100\",\"capabilities\":{\"voice\":true}}", mapper);
    Local.fromJson("{\"phone_number\":\"+14155550100\",\"locality\":\"San Francisco\",\"region\":\"CA\","
        + "\"iso_country\":\"US\",\"capabilities\":{\"voice\":true}}", mapper);
    Account.fromJson("{\"sid\":\"" + masterSid + "\",\"friendly_name\":\"priming\",\"status\":\"active\"}", mapper);
  }

  @Override
  public String masterAccountSid() {
    return masterSid;
  }

  @Override
  public Subaccount createSubaccount(String friendlyName) {
    requireFriendlyName(friendlyName);
    Account account = call("createSubaccount", client -> Account.creator().setFriendlyName(friendlyName).create(client));
    return subaccount(account);
  }

  @Override
  public List<Subaccount> findSubaccounts(String friendlyName) {
    requireFriendlyName(friendlyName);
    return call("findSubaccounts", client -> {
      List<Subaccount> found = new ArrayList<>();
      for (Account account : Account.reader().setFriendlyName(friendlyName).read(client)) {
        // the master lists itself too; and the filter is Twilio's, so check the name exactly
        if (!account.getSid().equals(masterSid) && friendlyName.equals(account.getFriendlyName())) {
          found.add(subaccount(account));
        }
      }
      return found;
    });
  }

  @Override
  public List<AvailableNumber> searchAvailable(String accountSid, NumberSearch search) {
    Integer areaCode = search.areaCode().map(TwilioTelephony::areaCode).orElse(null);
    long limit = search.limit();
    String country = search.country().wire();
    return call("searchAvailable", client -> {
      // one page is the answer: AvailablePhoneNumbers has no further pages
      List<AvailableNumber> found = new ArrayList<>();
      if (search.type() == NumberType.TOLL_FREE) {
        var reader = TollFree.reader(accountSid, country).setVoiceEnabled(true).setPageSize(limit);
        if (areaCode != null) {
          reader.setAreaCode(areaCode);
        }
        for (TollFree n : reader.firstPage(client).getRecords()) {
          available(n.getPhoneNumber(), n.getLocality(), n.getRegion()).ifPresent(found::add);
        }
      } else {
        var reader = Local.reader(accountSid, country).setVoiceEnabled(true).setPageSize(limit);
        if (areaCode != null) {
          reader.setAreaCode(areaCode);
        }
        for (Local n : reader.firstPage(client).getRecords()) {
          available(n.getPhoneNumber(), n.getLocality(), n.getRegion()).ifPresent(found::add);
        }
      }
      return found.size() > limit ? found.subList(0, (int) limit) : found;
    });
  }

  @Override
  public String createAddress(String accountSid, Address address) {
    return call("createAddress", client -> com.twilio.rest.api.v2010.account.Address.creator(accountSid,
            address.customerName(), address.street(), address.city(), address.region(),
            address.postalCode(), address.isoCountry())
        .create(client)
        .getSid());
  }

  @Override
  public OwnedNumber buy(String accountSid, E164Number number, Optional<String> addressSid) {
    return call("buy", client -> {
      var creator = IncomingPhoneNumber.creator(accountSid, new PhoneNumber(number.value()));
      addressSid.ifPresent(creator::setAddressSid);
      return owned(creator.create(client));
    });
  }

  @Override
  public Optional<OwnedNumber> findOwned(String accountSid, E164Number number) {
    return call("findOwned", client -> {
      var numbers = IncomingPhoneNumber.reader(accountSid).setPhoneNumber(new PhoneNumber(number.value())).read(client);
      // Twilio's PhoneNumber filter matches partial numbers: keep the exact one
      return StreamSupport.stream(numbers.spliterator(), false)
          .filter(n -> n.getPhoneNumber() != null && number.value().equals(n.getPhoneNumber().getEndpoint()))
          .findFirst()
          .map(TwilioTelephony::owned);
    });
  }

  @Override
  public List<OwnedNumber> listOwned(String accountSid) {
    return call("listOwned", client -> {
      List<OwnedNumber> owned = new ArrayList<>();
      // the ResourceSet follows next_page_uri until the last page
      for (IncomingPhoneNumber n : IncomingPhoneNumber.reader(accountSid).setPageSize(LIST_PAGE_SIZE).read(client)) {
        owned.add(owned(n));
      }
      return owned;
    });
  }

  @Override
  public boolean release(String accountSid, String phoneSid) {
    try {
      call("release", client -> IncomingPhoneNumber.deleter(accountSid, phoneSid).delete(client));
      return true;
    } catch (ProviderRejected e) {
      if (e.isNotFound()) {
        return false; // already released: by an earlier attempt whose answer was lost, or by hand
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------ mapping

  /** The client for this master token; rebuilt only when the token changed. */
  private TwilioRestClient client(String token) {
    Client c = built;
    if (c == null || !c.token().equals(token)) {
      c = new Client(token, new TwilioRestClient.Builder(masterSid, token).httpClient(http).build());
      built = c;
    }
    return c.rest();
  }

  /**
   * Runs one SDK call and turns its failure into ours. A 401 (20003) means Twilio refused the
   * credentials before doing anything, so repeating the call, a purchase included, cannot do it
   * twice; it is repeated once, and only when the token read again differs (it was rotated).
   */
  private <T> T call(String operation, Function<TwilioRestClient, T> work) {
    String token = masterToken.current();
    try {
      return attempt(operation, work, token);
    } catch (ProviderRejected e) {
      if (e.status() == 401 && masterToken.reread(token)) {
        LOG.info("twilio.credentials.reread", "operation", operation);
        return attempt(operation, work, masterToken.current());
      }
      throw e;
    }
  }

  private <T> T attempt(String operation, Function<TwilioRestClient, T> work, String token) {
    TwilioRestClient rest = client(token);
    http.forgetLastExchange();
    long started = System.nanoTime();
    boolean providerFailed = false;
    try {
      return work.apply(rest);
    } catch (TwilioException e) {
      ProviderException failure = failure(operation, e);
      providerFailed = failure instanceof ProviderUnavailable;
      throw failure;
    } finally {
      Metrics.providerCall(PROVIDER, operation, started, providerFailed);
    }
  }

  private ProviderException failure(String operation, TwilioException e) {
    Optional<TwilioHttpClient.Exchange> answer = http.lastExchange();
    if (answer.isEmpty()) {
      Throwable io = e.getCause() instanceof IOException ? e.getCause() : null;
      return new ProviderUnavailable(PROVIDER, operation, 0, null,
          "no answer" + (io == null ? "" : " (" + io.getClass().getSimpleName() + ")"), io);
    }
    int status = answer.get().status();
    String requestId = answer.get().requestId();
    String code = e instanceof ApiException api && api.getCode() != null ? api.getCode().toString() : null;
    if (status >= 400 && status < 500 && status != 429) {
      return new ProviderRejected(PROVIDER, operation, status, code, requestId, null);
    }
    String detail = status >= 400
        ? "HTTP " + status + (code == null ? "" : " (code " + code + ")")
        // a 2xx we could not read: the call may well have happened
        : "unreadable answer (HTTP " + status + ")";
    return new ProviderUnavailable(PROVIDER, operation, status, requestId, detail, null);
  }

  private static Subaccount subaccount(Account account) {
    return new Subaccount(account.getSid(), account.getAuthToken(), account.getFriendlyName(),
        account.getStatus() == null ? null : account.getStatus().toString());
  }

  private static OwnedNumber owned(IncomingPhoneNumber n) {
    return new OwnedNumber(n.getSid(), new E164Number(n.getPhoneNumber().getEndpoint()), n.getAccountSid());
  }

  private static Optional<AvailableNumber> available(PhoneNumber number, String locality, String region) {
    // a number we could not buy by its E.164 form is of no use to offer
    return Optional.ofNullable(number)
        .flatMap(n -> E164Number.parse(n.getEndpoint()))
        .map(n -> new AvailableNumber(n, locality, region));
  }

  private static Integer areaCode(String areaCode) {
    if (!areaCode.matches("[0-9]{1,4}")) {
      throw new IllegalArgumentException("an area code is 1 to 4 digits");
    }
    return Integer.valueOf(areaCode);
  }

  private static void requireFriendlyName(String friendlyName) {
    if (friendlyName == null || friendlyName.isBlank() || friendlyName.length() > MAX_FRIENDLY_NAME) {
      throw new IllegalArgumentException("a subaccount's friendly name is 1 to 64 characters");
    }
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = URI.create(url);
      return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
