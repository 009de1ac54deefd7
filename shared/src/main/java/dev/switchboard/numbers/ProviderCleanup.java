package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.log.Log;
import dev.switchboard.numbers.ManagedNumber.ReleaseStep;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.Telephony.OwnedNumber;
import dev.switchboard.providers.VoicePlatform;
import dev.switchboard.providers.VoicePlatform.ImportedNumber;
import java.util.List;
import java.util.Optional;

/**
 * Takes a number off the providers: Vapi first, then Twilio, each step recorded the moment it
 * is done, so a retry resumes exactly where the last attempt stopped and never repeats a
 * step that succeeded. A 404 means already gone and counts as done. Used by the release, by
 * the compensation of a failed provisioning, and by the reconciler.
 *
 * <p>Where a provider id was never recorded (a call that timed out may still have succeeded),
 * the number is looked up first: in our own subaccount at Twilio, and at Vapi only when we
 * hold or held it at Twilio, so another organisation's number is never touched.
 */
final class ProviderCleanup {
  private static final Log LOG = Log.of(ProviderCleanup.class);

  private final Database db;
  private final ManagedNumbers numbers;
  private final Telephony telephony;
  private final VoicePlatform voice;
  private final SagaHooks hooks;

  ProviderCleanup(Database db, ManagedNumbers numbers, Telephony telephony, VoicePlatform voice, SagaHooks hooks) {
    this.db = db;
    this.numbers = numbers;
    this.telephony = telephony;
    this.voice = voice;
    this.hooks = hooks;
  }

  /** The outcome: the steps still pending (empty when done) and the failure that stopped it. */
  record Result(List<String> pendingSteps, Optional<ProviderException> failure) {
    boolean done() {
      return pendingSteps.isEmpty();
    }
  }

  /**
   * Cleans up. With {@code settleFirst}, a look-up that finds nothing is not trusted yet: the
   * call that just timed out may still land, so the step stays pending and the reconciler
   * looks again later, when a late purchase or import has surely arrived.
   */
  Result cleanUp(ManagedNumber start, boolean settleFirst) {
    ManagedNumber n = start;
    try {
      n = locateAtTwilio(n, settleFirst);
      if (!n.vapiReleased()) {
        releaseFromVapi(n, settleFirst);
        hooks.after("vapi_released");
      }
      // the Vapi step changes nothing the Twilio step reads: no need to read the row again
      if (!n.twilioReleased()) {
        releaseFromTwilio(n);
        hooks.after("twilio_released");
      }
      return new Result(List.of(), Optional.empty());
    } catch (ProviderException e) {
      LOG.warn("number.cleanup.failed", "numberId", n.id(), "provider", e.provider(),
          "operation", e.operation(), "status", e.status());
      return new Result(reload(n).pendingSteps(), Optional.of(e));
    } catch (NotSettled e) {
      LOG.info("number.cleanup.waiting", "numberId", n.id(), "provider", e.getMessage());
      return new Result(reload(n).pendingSteps(), Optional.empty());
    }
  }

  /** A look-up right after an unknown outcome found nothing: look again later. */
  private static final class NotSettled extends RuntimeException {
    NotSettled(String provider) {
      super(provider, null, false, false);
    }
  }

  /** Finds the Twilio SID of a number whose purchase may have landed without being recorded. */
  private ManagedNumber locateAtTwilio(ManagedNumber n, boolean settleFirst) {
    if (n.twilioReleased() || n.twilioPhoneSid().isPresent()) {
      return n;
    }
    if (n.phoneNumber().isEmpty() || n.twilioAccountSid().isEmpty()) {
      db.useTransaction(tx -> numbers.recordNothingAt(tx, n.id(), ReleaseStep.TWILIO));
      return reload(n);
    }
    Optional<OwnedNumber> found = telephony.findOwned(n.twilioAccountSid().get(), n.phoneNumber().get());
    if (found.isEmpty() && settleFirst) {
      throw new NotSettled("twilio");
    }
    // a failed attempt frees its phone number at once, so a later attempt of the same org may
    // have bought it in the same subaccount: that purchase is not ours to release
    Optional<ManagedNumbers.OtherClaim> claim = found.isEmpty() ? Optional.empty()
        : db.inTransaction(tx -> numbers.otherClaim(tx, n.id(), n.phoneNumber().get(), found.get().sid()));
    if (claim.isPresent() && claim.get() == ManagedNumbers.OtherClaim.CANDIDATE) {
      throw new NotSettled("twilio"); // another live attempt is buying that number: wait until it knows
    }
    Optional<OwnedNumber> owned = claim.isPresent() ? Optional.empty() : found;
    db.useTransaction(tx -> {
      if (owned.isPresent()) {
        LOG.info("number.cleanup.found_late_purchase", "numberId", n.id(), "sid", owned.get().sid());
        numbers.recordPhoneSid(tx, n.id(), owned.get().sid());
      } else {
        numbers.recordNothingAt(tx, n.id(), ReleaseStep.TWILIO);
      }
    });
    return reload(n);
  }

  private void releaseFromVapi(ManagedNumber n, boolean settleFirst) {
    Optional<String> id = n.vapiPhoneId();
    if (id.isEmpty() && n.twilioPhoneSid().isPresent() && n.phoneNumber().isPresent()) {
      // an import that timed out may have landed: we held the number, so any import of it is ours
      id = voice.findByNumber(n.phoneNumber().get()).map(ImportedNumber::id);
      if (id.isEmpty() && settleFirst) {
        throw new NotSettled("vapi");
      }
      if (id.isPresent()) {
        String found = id.get();
        LOG.info("number.cleanup.found_late_import", "numberId", n.id(), "vapiPhoneId", found);
        db.useTransaction(tx -> numbers.recordVapiId(tx, n.id(), found));
      }
    }
    if (id.isPresent()) {
      boolean deleted = voice.delete(id.get());
      LOG.info("number.vapi.released", "numberId", n.id(), "vapiPhoneId", id.get(), "alreadyGone", !deleted);
    }
    db.useTransaction(tx -> numbers.recordVapiReleased(tx, n.id()));
  }

  private void releaseFromTwilio(ManagedNumber n) {
    if (n.twilioPhoneSid().isPresent()) {
      boolean released = telephony.release(n.twilioAccountSid().orElseThrow(), n.twilioPhoneSid().get());
      LOG.info("number.twilio.released", "numberId", n.id(), "sid", n.twilioPhoneSid().get(), "alreadyGone", !released);
    }
    db.useTransaction(tx -> numbers.recordTwilioReleased(tx, n.id()));
  }

  private ManagedNumber reload(ManagedNumber n) {
    return db.inTransaction(tx -> numbers.find(tx, n.id())).orElseThrow();
  }
}
