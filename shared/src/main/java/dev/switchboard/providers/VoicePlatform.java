package dev.switchboard.providers;

import dev.switchboard.domain.E164Number;
import java.util.List;
import java.util.Optional;

/**
 * Vapi, as Switchboard uses it: Twilio numbers imported so Vapi's assistants answer them.
 * Every method throws {@link ProviderUnavailable} or {@link ProviderRejected}.
 */
public interface VoicePlatform {

  /** Imports a Twilio number (POST /phone-number); Vapi rewrites its voice and SMS URLs. */
  ImportedNumber importTwilioNumber(TwilioImport request);

  /** The imported number with this E.164 value, if any: finds an import that timed out. */
  Optional<ImportedNumber> findByNumber(E164Number number);

  /** Every number imported into the platform's Vapi org (the reconciler's orphan check). */
  List<ImportedNumber> listNumbers();

  /** Deletes an imported number: true if deleted now, false if it was already gone (404). */
  boolean delete(String phoneId);

  record TwilioImport(E164Number number, String twilioAccountSid, String twilioAuthToken,
                      String name, Optional<String> assistantId) {
    @Override
    public String toString() {
      return "TwilioImport[" + number + ", " + twilioAccountSid + "]"; // never the token
    }
  }

  /**
   * A number as Vapi holds it. Vapi's {@code TwilioPhoneNumber} has no credential id (only BYO,
   * Vonage and Telnyx numbers name one), so none is read.
   */
  record ImportedNumber(String id, E164Number number) {}
}
