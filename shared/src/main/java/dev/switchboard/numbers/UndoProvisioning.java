package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseException;
import dev.switchboard.db.DatabaseUnavailable;
import dev.switchboard.domain.NumberStatus;
import dev.switchboard.domain.Pence;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.Answer;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import dev.switchboard.wallet.Ledger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Undoes a provisioning that cannot complete. One commit refunds it, marks it 'failed' and
 * stores the client's answer: from then on the attempt holds nothing a user can see (its
 * direction and its candidate phone number are free, nothing is listed). Then the number is
 * taken off Vapi and Twilio; what cannot be done now stays on the row (cleanup_pending) and
 * the reconciler finishes it. The caller must hold the number's lease.
 *
 * <p>The undo locks the row and acts only on a 'provisioning' one: when the commit that made
 * the number active reached the server but its answer was lost, the number is live and listed,
 * and undoing it would take a paid, listed number away.
 */
public final class UndoProvisioning {
  private static final Log LOG = Log.of(UndoProvisioning.class);

  private final Database db;
  private final ManagedNumbers numbers;
  private final Ledger ledger;
  private final IdempotencyKeys keys;
  private final ProviderCleanup cleanup;

  UndoProvisioning(Database db, ManagedNumbers numbers, Ledger ledger, IdempotencyKeys keys, ProviderCleanup cleanup) {
    this.db = db;
    this.numbers = numbers;
    this.ledger = ledger;
    this.keys = keys;
    this.cleanup = cleanup;
  }

  /**
   * The outcome: whether the number is fully undone (failed, nothing held at the providers),
   * and the client's answer (failed and refunded, also stored for the Idempotency-Key; or 201
   * when the number turned out to be active after all).
   */
  public record Result(boolean undone, Answer answer) {}

  /** What the locked row said: the answer, the number when there is clean-up to do, and whether this undo refunded it. */
  private record Decision(Answer answer, ManagedNumber failed, boolean refunded) {
    Decision(Answer answer, ManagedNumber failed) {
      this(answer, failed, false);
    }
  }

  /** Why a provisioning is undone, as the failed-provisioning limit and the clean-up see it. */
  public enum Cause {
    /** The tenant's request made it fail (Twilio refused what it asked for; nothing matched its search). */
    REQUEST,
    /** The platform failed: a provider error or time-out, our own fault, an interrupted saga. */
    PLATFORM,
    /** As PLATFORM, and the failed call got no answer: it may yet land, so the clean-up looks twice. */
    PLATFORM_OUTCOME_UNKNOWN
  }

  /** Undoes the provisioning. */
  public Result undo(UUID numberId, String failedStep, SwitchboardException reason, Cause cause) {
    boolean outcomeUnknown = cause == Cause.PLATFORM_OUTCOME_UNKNOWN;
    Decision decision = db.inTransaction(tx -> {
      ManagedNumber current = numbers.lock(tx, numberId).orElseThrow();
      if (current.status() == NumberStatus.ACTIVE) {
        // the activation committed although its commit reported an error: it stands
        LOG.warn("provision.undo.found_active", "numberId", numberId, "failedStep", failedStep);
        return new Decision(Answer.of(201, current.toJson()), null);
      }
      Map<String, Object> details = new LinkedHashMap<>(reason.details());
      details.put("failedStep", current.failedStep().orElse(failedStep));
      details.put("refunded", true);
      Answer answer = Answer.of(new SwitchboardException(reason.code(), reason.getMessage(), details));
      if (current.status() != NumberStatus.PROVISIONING) {
        // failed already (a second undo); any other status is not ours to undo
        return new Decision(answer, current.status() == NumberStatus.FAILED ? current : null);
      }
      boolean refunded = refund(tx, current);
      numbers.markFailed(tx, numberId, failedStep, reason.getMessage(), cause == Cause.REQUEST);
      // the client's answer is settled now: failed and refunded, whatever the clean-up still needs
      keys.completeForNumber(tx, numberId, answer.status(), answer.body());
      return new Decision(answer, numbers.find(tx, numberId).orElseThrow(), refunded);
    });
    if (decision.refunded()) {
      Metrics.emit(Metric.PURCHASES_REFUNDED, 1, cause.name().toLowerCase(Locale.ROOT));
    }
    if (decision.failed() == null) {
      return new Result(false, decision.answer());
    }
    boolean done = cleanUp(decision.failed(), outcomeUnknown);
    if (done) {
      LOG.info("provision.undone", "numberId", numberId, "failedStep", failedStep);
    }
    return new Result(done, decision.answer());
  }

  /**
   * Cleans up a failed number at the providers, under the caller's lease (the reconciler's
   * resumption of a pending clean-up). True when nothing is held any more.
   */
  boolean cleanUp(ManagedNumber n, boolean outcomeUnknown) {
    ProviderCleanup.Result result;
    try {
      result = cleanup.cleanUp(n, outcomeUnknown);
      db.useTransaction(tx -> {
        if (result.done()) {
          numbers.finishCleanup(tx, n.id());
        } else {
          numbers.recordFailure(tx, n.id(), n.failedStep().orElse("cleanup"),
              result.failure().map(Throwable::getMessage).orElse("clean-up pending"));
        }
      });
    } catch (DatabaseUnavailable | DatabaseException e) {
      // the refund and the answer are committed: what the providers still hold stays on the
      // row (cleanup_pending) for the reconciler, which repeats any step done but not recorded
      LOG.warn("provision.cleanup.unrecorded", "numberId", n.id(), "error", e.getMessage());
      return false;
    }
    if (!result.done()) {
      LOG.warn("provision.cleanup.pending", "numberId", n.id(), "pendingSteps", result.pendingSteps());
    }
    return result.done();
  }

  /** Refunds the charge, if it was charged and not refunded yet; true when money went back. */
  private boolean refund(Connection tx, ManagedNumber n) throws SQLException {
    if (!n.charged() || n.refunded()) {
      return false;
    }
    boolean paid = n.price().compareTo(Pence.ZERO) > 0;
    if (paid) {
      ledger.post(tx, Ledger.Entry.credit(n.orgId(), Ledger.Kind.NUMBER_REFUND, n.price(),
          "number:" + n.id() + ":refund", "Refund: number could not be provisioned").forNumber(n.id()));
    }
    numbers.recordRefund(tx, n.id());
    return paid;
  }

  /** The answer for a provider failure mid-saga. */
  static SwitchboardException providerError(String message) {
    return new SwitchboardException(ErrorCode.PROVIDER_ERROR, message);
  }
}
