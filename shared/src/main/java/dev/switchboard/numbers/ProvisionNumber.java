package dev.switchboard.numbers;

import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseException;
import dev.switchboard.db.DatabaseUnavailable;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.TelephonyMode;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.Answer;
import dev.switchboard.http.ApiResponses;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import dev.switchboard.numbers.Subaccounts.StoredSubaccount;
import dev.switchboard.org.Organizations;
import dev.switchboard.org.Organizations.Organization;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.Telephony.AvailableNumber;
import dev.switchboard.providers.Telephony.OwnedNumber;
import dev.switchboard.providers.VoicePlatform;
import dev.switchboard.providers.VoicePlatform.ImportedNumber;
import dev.switchboard.wallet.Ledger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * POST /phone-numbers: buys a Twilio number in the org's subaccount, imports it into Vapi and
 * makes it live, as a saga with a durable record.
 * <ol>
 *   <li>One transaction: lock the org, honour the Idempotency-Key, refuse a second number in
 *       that direction, charge the wallet, record the number as 'provisioning'.</li>
 *   <li>No transaction held: ensure the subaccount (and Address), search, buy, import; each
 *       provider id recorded the moment it exists.</li>
 *   <li>One transaction: 'active' with its org_credentials row, mapping and agent links.</li>
 * </ol>
 * Any failure after step 1 is undone by {@link UndoProvisioning}: refunded and 'failed' in one
 * commit, then released at the providers (or by the reconciler, when that cannot finish now).
 */
public final class ProvisionNumber {
  private static final Log LOG = Log.of(ProvisionNumber.class);
  /** A candidate someone else bought between our search and our purchase: try the next. */
  private static final String TWILIO_NUMBER_UNAVAILABLE = "21422";
  private static final int CANDIDATES = 3;
  private static final String UNIQUE_VIOLATION = "23505";

  private final Database db;
  private final Telephony telephony;
  private final VoicePlatform voice;
  private final SecretCipher cipher;
  private final NumberSettings settings;
  private final SagaHooks hooks;
  private final Organizations organizations = new Organizations();
  private final ManagedNumbers numbers = new ManagedNumbers();
  private final Credentials credentials = new Credentials();
  private final Subaccounts subaccounts = new Subaccounts();
  private final IdempotencyKeys keys = new IdempotencyKeys();
  private final Ledger ledger = new Ledger();
  private final UndoProvisioning undo;

  public ProvisionNumber(Database db, Telephony telephony, VoicePlatform voice, SecretCipher cipher,
                         NumberSettings settings, SagaHooks hooks) {
    this.db = db;
    this.telephony = telephony;
    this.voice = voice;
    this.cipher = cipher;
    this.settings = settings;
    this.hooks = hooks;
    this.undo = new UndoProvisioning(db, numbers, ledger, keys,
        new ProviderCleanup(db, numbers, telephony, voice, hooks));
  }

  /** What step 1 decided. */
  private sealed interface Start {}

  private record Replay(Answer answer) implements Start {}

  private record Resume(UUID numberId) implements Start {}

  private record Started(UUID numberId, Organization org, Optional<StoredSubaccount> subaccount,
                         Optional<String> addressSid, Optional<String> assistantId) implements Start {}

  public Answer provision(OrgId orgId, ProvisionRequest request, Optional<String> idempotencyKey) {
    Start start;
    try {
      start = db.inTransaction(tx -> begin(tx, orgId, request, idempotencyKey));
    } catch (SwitchboardException refused) {
      if (idempotencyKey.isPresent() && refused.code().status() < 500
          && refused.code() != ErrorCode.REQUEST_IN_PROGRESS && refused.code() != ErrorCode.IDEMPOTENCY_CONFLICT
          && refused.code() != ErrorCode.ORG_NOT_FOUND && refused.code() != ErrorCode.RATE_LIMITED) {
        Answer answer = Answer.of(refused);
        db.useTransaction(tx -> {
          keys.recordRefusal(tx, orgId, IdempotencyKeys.PROVISION, idempotencyKey.get(), request.fingerprint(),
              answer.status(), answer.body());
        });
      }
      throw refused;
    }
    if (start instanceof Replay replay) {
      return replay.answer();
    }
    if (start instanceof Resume resume) {
      // the first attempt died mid-saga and its lease lapsed: settle it now, then answer as it would have
      return settle(resume.numberId(), "interrupted",
          UndoProvisioning.providerError("provisioning was interrupted; the charge was refunded"),
          UndoProvisioning.Cause.PLATFORM);
    }
    return run((Started) start, request);
  }

  // ------------------------------------------------------------------ step 1

  private Start begin(Connection tx, OrgId orgId, ProvisionRequest request, Optional<String> key) throws SQLException {
    Organization org = organizations.lock(tx, orgId);
    if (key.isPresent()) {
      Optional<IdempotencyKeys.StoredKey> stored = keys.lock(tx, orgId, IdempotencyKeys.PROVISION, key.get());
      if (stored.isPresent()) {
        if (!stored.get().requestHash().equals(request.fingerprint())) {
          throw new SwitchboardException(ErrorCode.IDEMPOTENCY_CONFLICT,
              "this Idempotency-Key was used with a different request");
        }
        if (stored.get().completed()) {
          return new Replay(new Answer(stored.get().responseStatus(), stored.get().responseBody()));
        }
        UUID numberId = stored.get().numberId().orElseThrow();
        if (numbers.tryLease(tx, numberId, settings.lease())) {
          return new Resume(numberId);
        }
        throw inProgress();
      }
    }
    // each failed attempt called Twilio on the platform's account and was refunded, so nothing
    // else stops a tenant from retrying at once: limit the failures its requests cause (a replay
    // above is not an attempt; a failure of the platform is not the tenant's)
    settings.failedAttempts().check(numbers.failedAttemptsCausedByRequests(tx, orgId,
        settings.failedAttempts().window()).plusOne(), "failed provisioning attempts");
    if (numbers.hasLiveNumber(tx, orgId, request.direction())) {
      throw new SwitchboardException(ErrorCode.NUMBER_EXISTS,
          "the organisation already has a " + request.direction().wire() + " number",
          Map.of("direction", request.direction().wire()));
    }
    if (request.direction() == Direction.INBOUND && credentials.hasActiveByocInbound(tx, orgId)) {
      throw new SwitchboardException(ErrorCode.NUMBER_EXISTS,
          "the organisation already has its own inbound number", Map.of("direction", "inbound"));
    }
    Optional<StoredSubaccount> subaccount = subaccounts.find(tx, orgId);
    if (subaccount.isPresent() && !subaccount.get().isActive()) {
      throw new SwitchboardException(ErrorCode.TELEPHONY_ACCOUNT_UNAVAILABLE,
          "the organisation's telephony account is " + subaccount.get().status());
    }
    Optional<String> addressSid = Optional.empty();
    if (request.country().needsAddress()) {
      if (subaccount.isPresent()) {
        addressSid = subaccounts.addressSid(tx, subaccount.get().id(), request.country());
      }
      if (addressSid.isEmpty() && request.address().isEmpty()) {
        throw new SwitchboardException(ErrorCode.ADDRESS_REQUIRED,
            request.country().wire() + " numbers need a regulatory address: send \"address\"",
            Map.of("field", "address"));
      }
    }
    if (org.balance().isLessThan(settings.price())) {
      throw new SwitchboardException(ErrorCode.INSUFFICIENT_FUNDS, "the wallet cannot pay for a number",
          Map.of("requiredPence", settings.price().value(), "balancePence", org.balance().value()));
    }
    UUID numberId = numbers.insertProvisioning(tx, orgId, request.country(), request.numberType(),
        request.areaCode(), request.direction(), settings.price(), settings.lease());
    if (settings.price().value() > 0) {
      ledger.post(tx, Ledger.Entry.debit(orgId, Ledger.Kind.NUMBER_PURCHASE, settings.price(),
          "number:" + numberId + ":charge", "Managed " + request.direction().wire() + " number")
          .forNumber(numberId));
    }
    if (key.isPresent()) {
      keys.begin(tx, orgId, IdempotencyKeys.PROVISION, key.get(), request.fingerprint(), numberId);
    }
    Optional<String> assistant = request.direction() == Direction.INBOUND
        ? numbers.inboundAssistant(tx, orgId) : Optional.empty();
    LOG.info("provision.charged", "numberId", numberId, "orgId", orgId, "direction", request.direction().wire(),
        "pricePence", settings.price().value());
    return new Started(numberId, org, subaccount, addressSid, assistant);
  }

  // ------------------------------------------------------------- steps 2 and 3

  private Answer run(Started s, ProvisionRequest request) {
    hooks.after("charged");
    String step = "subaccount";
    try {
      StoredSubaccount subaccount = s.subaccount().orElseGet(() -> createSubaccount(s));
      db.useTransaction(tx -> numbers.recordSubaccount(tx, s.numberId(), subaccount.accountSid()));
      hooks.after("subaccount");

      step = "address";
      Optional<String> addressSid = s.addressSid();
      if (request.country().needsAddress() && addressSid.isEmpty()) {
        addressSid = Optional.of(createAddress(subaccount, request));
        hooks.after("address");
      }

      step = "search";
      List<AvailableNumber> candidates = telephony.searchAvailable(subaccount.accountSid(),
          new Telephony.NumberSearch(request.country(), request.numberType(), request.areaCode(), CANDIDATES));
      if (candidates.isEmpty()) {
        throw noNumbersAvailable(request);
      }

      step = "purchase";
      OwnedNumber bought = buy(s.numberId(), subaccount, candidates, addressSid, request);
      hooks.after("purchase");

      step = "vapi_import";
      String token = cipher.decrypt(subaccount.encryptedToken(), subaccount.tokenBinding());
      ImportedNumber imported = voice.importTwilioNumber(new VoicePlatform.TwilioImport(bought.phoneNumber(),
          subaccount.accountSid(), token, Credentials.managedName(request.direction().wire()), s.assistantId()));
      db.useTransaction(tx -> numbers.recordImport(tx, s.numberId(), imported.id()));
      hooks.after("vapi_import");

      step = "activate";
      ManagedNumber active = activate(s.numberId(), request.direction(), bought.phoneNumber(), imported.id());
      LOG.info("provision.active", "numberId", s.numberId(), "phoneNumber", bought.phoneNumber().value());
      Metrics.emit(Metric.NUMBERS_PROVISIONED, 1);
      return Answer.of(201, active.toJson());
    } catch (ProviderException e) {
      LOG.warn("provision.failed", "numberId", s.numberId(), "step", step, "provider", e.provider(),
          "status", e.status());
      return settle(s.numberId(), step, UndoProvisioning.providerError(
          "the " + e.provider() + " call failed while provisioning (" + step + "); the charge was refunded"),
          causeOf(e, step));
    } catch (SwitchboardException e) {
      return settle(s.numberId(), step, e, e.code() == ErrorCode.NO_NUMBERS_AVAILABLE
          ? UndoProvisioning.Cause.REQUEST : UndoProvisioning.Cause.PLATFORM);
    } catch (RuntimeException e) {
      LOG.error("provision.crashed", e, "numberId", s.numberId(), "step", step);
      return settle(s.numberId(), step, UndoProvisioning.providerError(
          "provisioning failed (" + step + "); the charge was refunded"), UndoProvisioning.Cause.PLATFORM);
    }
  }

  /**
   * Whose doing a provider failure was. Twilio refusing what the request asked for (an area
   * code, an address, a number that needs one) is the tenant's, and counts toward its limit of
   * failed attempts; a refused login, throttling, a 5xx or a time-out, anything at Vapi, and the
   * subaccount (ours to make) are the platform's.
   */
  private static UndoProvisioning.Cause causeOf(ProviderException e, String step) {
    if (e instanceof ProviderUnavailable) {
      return UndoProvisioning.Cause.PLATFORM_OUTCOME_UNKNOWN;
    }
    boolean refusedRequest = "twilio".equals(e.provider()) && e.status() >= 400 && e.status() < 500
        && e.status() != 401 && e.status() != 403 && e.status() != 429
        && (step.equals("address") || step.equals("search") || step.equals("purchase"));
    return refusedRequest ? UndoProvisioning.Cause.REQUEST : UndoProvisioning.Cause.PLATFORM;
  }

  /**
   * Undoes a charged attempt. When the database is gone (a failover during the saga), nothing
   * can be settled now, and "nothing was done, send it again" would be false: the wallet is
   * charged and a number may be part-bought. The reconciler settles the attempt once its lease
   * lapses (refunded, or found active), with nobody acting; the client is told so, and when to
   * ask again with the same Idempotency-Key.
   */
  private Answer settle(UUID numberId, String step, SwitchboardException reason, UndoProvisioning.Cause cause) {
    try {
      return undo.undo(numberId, step, reason, cause).answer();
    } catch (DatabaseUnavailable | DatabaseException e) {
      LOG.error("provision.outcome_pending", e, "numberId", numberId, "failedStep", step);
      throw new SwitchboardException(ErrorCode.OUTCOME_PENDING, "the service lost its database after your "
          + "wallet was charged; the purchase will be completed or refunded automatically. Send the same "
          + "request with the same Idempotency-Key after Retry-After seconds to learn which",
          Map.of("numberId", numberId.toString(), "charged", true,
              ApiResponses.RETRY_AFTER_SECONDS, settings.lease().toSeconds()));
    }
  }

  private StoredSubaccount createSubaccount(Started s) {
    String name = friendlyName(s.org());
    Telephony.Subaccount created;
    try {
      created = telephony.createSubaccount(name);
    } catch (ProviderException e) {
      // a creation that timed out may have landed: adopt it rather than make a second one
      created = telephony.findSubaccounts(name).stream().findFirst().orElseThrow(() -> e);
    }
    Telephony.Subaccount account = created;
    StoredSubaccount stored = db.inTransaction(tx -> subaccounts.insertOrGet(tx, s.org().id(), account.sid(),
        cipher.encrypt(account.authToken(), Subaccounts.tokenBinding(s.org().id(), account.sid())), name));
    if (!stored.accountSid().equals(account.sid())) {
      LOG.warn("twilio.subaccount.surplus", "orgId", s.org().id(), "accountSid", account.sid());
    }
    return stored;
  }

  /** The org's name, then its id (so a subaccount whose creation timed out can be found), in 64 characters. */
  static String friendlyName(Organization org) {
    String suffix = " (" + org.id().toString().substring(0, 8) + ")";
    String name = org.name() == null || org.name().isBlank() ? "Switchboard org" : org.name().strip();
    return (name.length() > 64 - suffix.length() ? name.substring(0, 64 - suffix.length()) : name) + suffix;
  }

  private String createAddress(StoredSubaccount subaccount, ProvisionRequest request) {
    String sid = telephony.createAddress(subaccount.accountSid(), request.address().orElseThrow());
    db.useTransaction(tx -> subaccounts.insertAddress(tx, subaccount.id(), request.country(), sid));
    return sid;
  }

  /**
   * Buys the first candidate that is free. A candidate is taken when Twilio says so (21422:
   * bought by someone else since the search) or when another live record holds it (another
   * tenant's attempt is buying it right now); either way the next one is tried. None left is
   * the answer of a search that found nothing.
   */
  private OwnedNumber buy(UUID numberId, StoredSubaccount subaccount, List<AvailableNumber> candidates,
                          Optional<String> addressSid, ProvisionRequest request) {
    for (AvailableNumber candidate : candidates) {
      E164Number number = candidate.phoneNumber();
      if (!recordCandidate(numberId, number)) {
        LOG.info("provision.candidate_taken", "numberId", numberId, "phoneNumber", number.value(), "by", "record");
        continue;
      }
      try {
        OwnedNumber bought = telephony.buy(subaccount.accountSid(), number, addressSid);
        db.useTransaction(tx -> numbers.recordPurchase(tx, numberId, bought.phoneNumber(), bought.sid()));
        return bought;
      } catch (ProviderRejected e) {
        if (!TWILIO_NUMBER_UNAVAILABLE.equals(e.code())) {
          throw e;
        }
        LOG.info("provision.candidate_taken", "numberId", numberId, "phoneNumber", number.value(), "by", "twilio");
      }
    }
    throw noNumbersAvailable(request);
  }

  /** False when another live record holds the number (the database's one-live-per-phone-number rule). */
  private boolean recordCandidate(UUID numberId, E164Number number) {
    try {
      db.useTransaction(tx -> numbers.recordCandidate(tx, numberId, number));
      return true;
    } catch (DatabaseException e) {
      if (UNIQUE_VIOLATION.equals(e.sqlState())) {
        return false;
      }
      throw e;
    }
  }

  private static SwitchboardException noNumbersAvailable(ProvisionRequest request) {
    return new SwitchboardException(ErrorCode.NO_NUMBERS_AVAILABLE,
        "no " + request.country().wire() + " " + request.numberType().wire() + " numbers are available"
            + request.areaCode().map(a -> " in area code " + a).orElse(""));
  }

  private ManagedNumber activate(UUID numberId, Direction direction, E164Number number, String vapiPhoneId) {
    return db.inTransaction(tx -> {
      ManagedNumber n = numbers.find(tx, numberId).orElseThrow();
      numbers.activate(tx, numberId);
      credentials.insertManaged(tx, n.orgId(), numberId, direction.wire(), number.value(), vapiPhoneId);
      if (direction == Direction.INBOUND) {
        numbers.insertInboundMapping(tx, n.orgId(), numberId, number);
      }
      numbers.linkAgents(tx, n.orgId(), numberId, direction, vapiPhoneId);
      organizations.setTelephonyMode(tx, n.orgId(), TelephonyMode.MANAGED);
      ManagedNumber active = numbers.find(tx, numberId).orElseThrow();
      Answer answer = Answer.of(201, active.toJson());
      keys.completeForNumber(tx, numberId, answer.status(), answer.body());
      return active;
    });
  }

  private static SwitchboardException inProgress() {
    return new SwitchboardException(ErrorCode.REQUEST_IN_PROGRESS,
        "the first request with this Idempotency-Key is still running; retry shortly");
  }
}
