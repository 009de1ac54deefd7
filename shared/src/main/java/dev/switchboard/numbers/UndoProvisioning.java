package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.domain.Pence;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.Answer;
import dev.switchboard.log.Log;
import dev.switchboard.wallet.Ledger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Undoes a provisioning that cannot complete: refund first (no money is held for a number that
 * is not live), then take the number off Vapi and Twilio, then mark it failed. Each step is
 * idempotent and recorded; what cannot be undone now stays 'provisioning' with its pending
 * steps, and the reconciler finishes it. The caller must hold the number's lease.
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
   * The outcome: whether the number is fully undone (status failed), and the client's answer
   * (failed and refunded), which is also stored for the request's Idempotency-Key.
   */
  public record Result(boolean undone, Answer answer) {}

  /**
   * Undoes the provisioning. {@code outcomeUnknown}: the step failed without an answer (a
   * timeout, a dropped connection), so it may yet land; the clean-up then waits for the
   * reconciler's second look.
   */
  public Result undo(UUID numberId, String failedStep, SwitchboardException reason, boolean outcomeUnknown) {
    Answer[] answer = new Answer[1];
    ManagedNumber n = db.inTransaction(tx -> {
      ManagedNumber current = numbers.find(tx, numberId).orElseThrow();
      refund(tx, current);
      // the client's answer is settled now: failed and refunded, whatever the clean-up still needs
      Map<String, Object> details = new LinkedHashMap<>(reason.details());
      details.put("failedStep", current.failedStep().orElse(failedStep));
      details.put("refunded", true);
      answer[0] = Answer.of(new SwitchboardException(reason.code(), reason.getMessage(), details));
      keys.completeForNumber(tx, numberId, answer[0].status(), answer[0].body());
      return numbers.find(tx, numberId).orElseThrow();
    });
    ProviderCleanup.Result result = cleanup.cleanUp(n, outcomeUnknown);
    if (!result.done()) {
      db.inTransaction(tx -> {
        numbers.recordFailure(tx, numberId, failedStep,
            result.failure().map(Throwable::getMessage).orElse("clean-up pending"));
        return null;
      });
      LOG.warn("provision.undo.pending", "numberId", numberId, "pendingSteps", result.pendingSteps());
      return new Result(false, answer[0]);
    }
    db.inTransaction(tx -> {
      numbers.recordFailure(tx, numberId, failedStep, reason.getMessage());
      numbers.markFailed(tx, numberId);
      return null;
    });
    LOG.info("provision.undone", "numberId", numberId, "failedStep", failedStep);
    return new Result(true, answer[0]);
  }

  private void refund(java.sql.Connection tx, ManagedNumber n) throws java.sql.SQLException {
    if (!n.charged() || n.refunded()) {
      return;
    }
    if (n.price().compareTo(Pence.ZERO) > 0) {
      ledger.post(tx, Ledger.Entry.credit(n.orgId(), Ledger.Kind.NUMBER_REFUND, n.price(),
          "number:" + n.id() + ":refund", "Refund: number could not be provisioned").forNumber(n.id()));
    }
    numbers.recordRefund(tx, n.id());
  }

  /** The answer for a provider failure mid-saga. */
  static SwitchboardException providerError(String message) {
    return new SwitchboardException(ErrorCode.PROVIDER_ERROR, message);
  }
}
