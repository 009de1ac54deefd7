package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.domain.NumberStatus;
import dev.switchboard.json.Json;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import dev.switchboard.numbers.Subaccounts.StoredSubaccount;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.VoicePlatform;
import dev.switchboard.providers.VoicePlatform.ImportedNumber;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The scheduled safety net: finishes releases and undoes provisionings that a crash or a
 * provider outage left unfinished (under a lease, so it is safe beside the API and beside
 * another reconciler), and reports what it cannot repair: numbers held at Twilio or Vapi that
 * no record accounts for, which cost money every month.
 */
public final class ReconcileNumbers {
  private static final Log LOG = Log.of(ReconcileNumbers.class);

  private final Database db;
  private final Telephony telephony;
  private final VoicePlatform voice;
  private final NumberSettings settings;
  private final ManagedNumbers numbers = new ManagedNumbers();
  private final Subaccounts subaccounts = new Subaccounts();
  private final Credentials credentials = new Credentials();
  private final IdempotencyKeys keys = new IdempotencyKeys();
  private final UndoProvisioning undo;
  private final ReleaseNumber release;

  public ReconcileNumbers(Database db, Telephony telephony, VoicePlatform voice, NumberSettings settings,
                          SagaHooks hooks) {
    this.db = db;
    this.telephony = telephony;
    this.voice = voice;
    this.settings = settings;
    this.undo = new UndoProvisioning(db, numbers, new dev.switchboard.wallet.Ledger(), keys,
        new ProviderCleanup(db, numbers, telephony, voice, hooks));
    this.release = new ReleaseNumber(db, telephony, voice, settings, hooks);
  }

  /**
   * One run. {@code timeLeft} answers false when the function is near its timeout: the run
   * stops taking new work and reports what it did.
   */
  public Map<String, Object> run(boolean dryRun, BooleanSupplier timeLeft) {
    int finishedReleases = 0;
    int finishedProvisionings = 0;
    List<Map<String, Object>> errors = new ArrayList<>();
    List<Map<String, Object>> pending = new ArrayList<>();

    if (dryRun) {
      for (ManagedNumber n : db.inTransaction(tx -> numbers.unfinished(tx, settings.reconcileBatch()))) {
        pending.add(Json.obj("numberId", n.id().toString(), "status", n.status().wire(),
            "pendingSteps", n.pendingSteps()));
      }
    } else {
      List<UUID> leased = db.inTransaction(tx -> numbers.leaseUnfinished(tx, settings.reconcileBatch(), settings.lease()));
      for (UUID id : leased) {
        ManagedNumber n = db.inTransaction(tx -> numbers.find(tx, id)).orElseThrow();
        if (!timeLeft.getAsBoolean()) {
          db.useTransaction(tx -> numbers.releaseLease(tx, id));
          continue;
        }
        try {
          if (n.status() == NumberStatus.RELEASING) {
            if (release.resume(n)) {
              finishedReleases++;
              LOG.info("reconcile.release.finished", "numberId", id);
            } else {
              LOG.warn("reconcile.release.pending", "numberId", id, "attempts", n.attempts() + 1);
              errors.add(Json.obj("numberId", id.toString(), "status", "releasing",
                  "pendingSteps", reload(id).pendingSteps()));
            }
          } else if (n.status() == NumberStatus.PROVISIONING) {
            boolean done = undo.undo(id, n.failedStep().orElse("interrupted"), UndoProvisioning.providerError(
                "provisioning was interrupted; the charge was refunded"), UndoProvisioning.Cause.PLATFORM).undone();
            finishedProvisionings += countUndone(id, done, errors);
          } else if (n.status() == NumberStatus.FAILED) {
            // refunded and answered long ago; only its provider clean-up is left
            finishedProvisionings += countUndone(id, undo.cleanUp(n, false), errors);
          }
        } catch (RuntimeException e) {
          // one bad number must not stop the rest; the lease lapses and the next run retries it
          LOG.error("reconcile.number.failed", e, "numberId", id);
          errors.add(Json.obj("numberId", id.toString(), "error", e.getClass().getSimpleName()));
        }
      }
      db.inTransaction(keys::purgeExpired);
    }

    boolean swept = timeLeft.getAsBoolean();
    List<Map<String, Object>> orphans = swept ? findOrphans(errors, dryRun) : List.of();
    for (Map<String, Object> orphan : orphans) {
      LOG.warn("reconcile.orphan", "provider", orphan.get("provider"), "sid", orphan.get("sid"),
          "phoneNumber", orphan.get("phoneNumber"));
    }
    if (!dryRun) {
      emitBacklog(swept ? orphans.size() : -1);
    }
    return Json.obj(
        "dryRun", dryRun,
        "finishedReleases", finishedReleases,
        "finishedProvisionings", finishedProvisionings,
        "pending", dryRun ? pending : null,
        "orphans", orphans,
        "errors", errors);
  }

  /**
   * Numbers the providers hold that no record accounts for: at Vapi all of them; at Twilio, the
   * numbers of one page of subaccounts, after the page the previous run checked (a dry run
   * checks the same page and leaves the cursor), so successive runs cover every subaccount.
   */
  private List<Map<String, Object>> findOrphans(List<Map<String, Object>> errors, boolean dryRun) {
    Set<String> accounted = new HashSet<>(db.inTransaction(numbers::accountedProviderIds));
    accounted.addAll(db.inTransaction(credentials::vapiPhoneIds));
    List<Map<String, Object>> orphans = new ArrayList<>();
    int pageSize = settings.subaccountsPerSweep();
    List<StoredSubaccount> page = db.inTransaction(tx -> {
      List<StoredSubaccount> after = subaccounts.page(tx, subaccounts.sweepCursor(tx), pageSize);
      return after.isEmpty() ? subaccounts.page(tx, Optional.empty(), pageSize) : after;
    });
    if (!dryRun) {
      // a short page reached the end: the next run starts over at the first subaccount
      Optional<UUID> next = page.size() < pageSize ? Optional.empty() : Optional.of(page.get(page.size() - 1).id());
      db.useTransaction(tx -> subaccounts.saveSweepCursor(tx, next));
    }
    for (StoredSubaccount s : page) {
      try {
        for (Telephony.OwnedNumber owned : telephony.listOwned(s.accountSid())) {
          if (!accounted.contains(owned.sid()) && !accounted.contains(owned.phoneNumber().value())) {
            orphans.add(Json.obj("provider", "twilio", "orgId", s.orgId().toString(), "accountSid", s.accountSid(),
                "sid", owned.sid(), "phoneNumber", owned.phoneNumber().value()));
          }
        }
      } catch (ProviderException e) {
        errors.add(Json.obj("provider", "twilio", "accountSid", s.accountSid(), "error", e.getMessage()));
      }
    }
    try {
      for (ImportedNumber imported : voice.listNumbers()) {
        if (!accounted.contains(imported.id())) {
          orphans.add(Json.obj("provider", "vapi", "id", imported.id(), "phoneNumber", imported.number().value()));
        }
      }
    } catch (ProviderException e) {
      errors.add(Json.obj("provider", "vapi", "error", e.getMessage()));
    }
    return orphans;
  }

  /** What is left after this run, for the dashboard and the backlog alarm; orphans only when they were looked for. */
  private void emitBacklog(int orphans) {
    ManagedNumbers.Backlog backlog;
    try {
      backlog = db.inTransaction(numbers::backlog);
    } catch (RuntimeException e) {
      // the run's work is done and recorded: a lost measurement must not fail it
      LOG.warn("reconcile.backlog.unmeasured", "errorType", e.getClass().getName());
      return;
    }
    Map<Metric, Long> values = new EnumMap<>(Metric.class);
    values.put(Metric.PENDING_CLEANUPS, backlog.pendingCleanups());
    values.put(Metric.INTERRUPTED_SAGAS, backlog.interruptedSagas());
    if (orphans >= 0) {
      values.put(Metric.ORPHANS_FOUND, (long) orphans);
    }
    Metrics.emit(values);
  }

  /** 1 when the failed provisioning is undone everywhere; otherwise it is reported with its pending steps. */
  private int countUndone(UUID id, boolean done, List<Map<String, Object>> errors) {
    if (done) {
      LOG.info("reconcile.provisioning.undone", "numberId", id);
      return 1;
    }
    ManagedNumber n = reload(id);
    if (n.status() == NumberStatus.ACTIVE) {
      return 0; // its activation had committed after all: nothing to undo
    }
    LOG.warn("reconcile.provisioning.pending", "numberId", id, "attempts", n.attempts());
    errors.add(Json.obj("numberId", id.toString(), "status", n.status().wire(), "pendingSteps", n.pendingSteps()));
    return 0;
  }

  private ManagedNumber reload(UUID id) {
    return db.inTransaction(tx -> numbers.find(tx, id)).orElseThrow();
  }
}
