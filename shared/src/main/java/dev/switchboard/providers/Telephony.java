package dev.switchboard.providers;

import dev.switchboard.domain.Country;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberType;
import java.util.List;
import java.util.Optional;

/**
 * Twilio, as Switchboard uses it: subaccounts under the platform's master account, and
 * numbers searched, bought and released in them with the master credentials scoped to the
 * subaccount SID. Every method throws {@link ProviderUnavailable} or {@link ProviderRejected}.
 */
public interface Telephony {

  /**
   * Loads and warms what the first real call needs, without any network call: for a SnapStart
   * snapshot, so that a restored function does not pay for it on its first request.
   */
  default void primeOffline() {
  }

  /** The platform's own account SID (searches for GET /phone-numbers/available run there). */
  String masterAccountSid();

  /** Creates a subaccount; friendly names are at most 64 characters. */
  Subaccount createSubaccount(String friendlyName);

  /** Subaccounts with exactly this friendly name: finds one whose creation timed out. */
  List<Subaccount> findSubaccounts(String friendlyName);

  /** Voice-enabled numbers available to buy. */
  List<AvailableNumber> searchAvailable(String accountSid, NumberSearch search);

  /** Creates a regulatory Address on the account; returns its SID (AD…). */
  String createAddress(String accountSid, Address address);

  /** Buys a number into the account. Not idempotent: on a timeout, {@link #findOwned} first. */
  OwnedNumber buy(String accountSid, E164Number number, Optional<String> addressSid);

  /** The account's number with this E.164 value, if it holds it. */
  Optional<OwnedNumber> findOwned(String accountSid, E164Number number);

  /** Every number the account holds (the reconciler's orphan check). */
  List<OwnedNumber> listOwned(String accountSid);

  /** Releases a number: true if released now, false if it was already gone (404). */
  boolean release(String accountSid, String phoneSid);

  record Subaccount(String sid, String authToken, String friendlyName, String status) {
    @Override
    public String toString() {
      return "Subaccount[" + sid + ", " + status + "]"; // never the token
    }
  }

  record NumberSearch(Country country, NumberType type, Optional<String> areaCode, int limit) {}

  record AvailableNumber(E164Number phoneNumber, String locality, String region) {}

  record Address(String customerName, String street, String city, String region,
                 String postalCode, String isoCountry) {}

  record OwnedNumber(String sid, E164Number phoneNumber, String accountSid) {}
}
