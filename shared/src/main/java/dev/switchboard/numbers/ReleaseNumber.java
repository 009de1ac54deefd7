package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseException;
import dev.switchboard.db.DatabaseUnavailable;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberStatus;
import dev.switchboard.domain.OrgId;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.http.Answer;
import dev.switchboard.json.Json;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import dev.switchboard.org.Organizations;
import dev.switchboard.providers.Telephony;
import dev.switchboard.providers.VoicePlatform;
import java.util.UUID;

/**
 * DELETE /phone-numbers/{id}: the six steps of the seed, in a form that survives any failure.
 * <ol>
 *   <li>One transaction: 'releasing'; delete the inbound mapping, this number's (and only this
 *       number's) org_credentials row, and unlink its agents (an outbound agent left without a
 *       caller id falls back to the org's active inbound number). It leaves the dropdown at once.</li>
 *   <li>Release from Vapi, then from Twilio; each step recorded; a 404 means already done.</li>
 *   <li>'released' with released_at.</li>
 * </ol>
 * A provider failure leaves 'releasing' with the pending steps (answer 202); the next DELETE or
 * the reconciler resumes where it stopped. Nothing is swallowed.
 */
public final class ReleaseNumber {
  private static final Log LOG = Log.of(ReleaseNumber.class);

  private final Database db;
  private final NumberSettings settings;
  private final Organizations organizations = new Organizations();
  private final ManagedNumbers numbers = new ManagedNumbers();
  private final Credentials credentials = new Credentials();
  private final ProviderCleanup cleanup;

  public ReleaseNumber(Database db, Telephony telephony, VoicePlatform voice, NumberSettings settings,
                       SagaHooks hooks) {
    this.db = db;
    this.settings = settings;
    this.cleanup = new ProviderCleanup(db, numbers, telephony, voice, hooks);
  }

  /** What step 1 found: work to do under our lease, or another worker busy with it. */
  private record Claim(ManagedNumber number, boolean ours) {}

  public Answer release(OrgId orgId, UUID numberId) {
    Claim claim = db.inTransaction(tx -> {
      // the org's lock: releasing one number may point the outbound caller id at the org's inbound
      // number, so two releases of one org must not each decide from what the other is changing
      organizations.lock(tx, orgId);
      ManagedNumber n = numbers.lockOfOrg(tx, orgId, numberId)
          .orElseThrow(() -> SwitchboardException.notFound("phone number"));
      switch (n.status()) {
        case ACTIVE:
          numbers.markReleasing(tx, n.id(), settings.lease());
          numbers.deleteMapping(tx, n.id());
          credentials.deleteManaged(tx, n.id());
          numbers.unlinkAgents(tx, n);
          numbers.fillCallerIdFromInbound(tx, orgId);
          LOG.info("release.started", "numberId", n.id(), "orgId", orgId);
          return new Claim(numbers.find(tx, n.id()).orElseThrow(), true);
        case RELEASING:
          return new Claim(n, numbers.tryLease(tx, n.id(), settings.lease()));
        case PROVISIONING:
          throw new SwitchboardException(ErrorCode.REQUEST_IN_PROGRESS,
              "the number is still being provisioned; try again shortly");
        default:
          throw SwitchboardException.notFound("phone number");
      }
    });
    if (!claim.ours()) {
      // another request or the reconciler is releasing it right now: not a failure
      return releasing(claim.number());
    }
    try {
      return finish(claim.number());
    } catch (DatabaseUnavailable | DatabaseException e) {
      if (e instanceof DatabaseException d && !d.connectionLost()) {
        throw e; // a statement that failed is our fault: 500, as any other
      }
      // the number left the dropdown with the first commit; the release goes on (the next DELETE
      // once the lease lapses, or the reconciler): "releasing" is the truth, "nothing was done" is not
      LOG.warn("release.database_lost", "numberId", claim.number().id(), "error", e.getMessage());
      return releasing(claim.number());
    }
  }

  /** Resumes a release under a lease the caller holds (the reconciler). True when released. */
  boolean resume(ManagedNumber n) {
    return finish(n).status() == 200;
  }

  private Answer finish(ManagedNumber n) {
    if (n.attempts() > 0) {
      // an earlier attempt left these steps pending (a provider failed): this is their retry
      Metrics.emit(Metric.RELEASE_STEPS_RETRIED, n.pendingSteps().size());
    }
    ProviderCleanup.Result result = cleanup.cleanUp(n, false);
    if (!result.done()) {
      ManagedNumber pending = db.inTransaction(tx -> {
        numbers.recordFailure(tx, n.id(), result.pendingSteps().get(0),
            result.failure().map(Throwable::getMessage).orElse("pending"));
        return numbers.find(tx, n.id()).orElseThrow();
      });
      LOG.warn("release.pending", "numberId", n.id(), "pendingSteps", result.pendingSteps());
      return releasing(pending);
    }
    db.useTransaction(tx -> numbers.markReleased(tx, n.id()));
    LOG.info("release.done", "numberId", n.id());
    Metrics.emit(Metric.NUMBERS_RELEASED, 1);
    return Answer.of(200, Json.obj(
        "id", n.id().toString(),
        "phoneNumber", n.phoneNumber().map(E164Number::value).orElse(null),
        "status", NumberStatus.RELEASED.wire()));
  }

  private static Answer releasing(ManagedNumber n) {
    return Answer.of(202, Json.obj(
        "id", n.id().toString(),
        "phoneNumber", n.phoneNumber().map(E164Number::value).orElse(null),
        "status", NumberStatus.RELEASING.wire(),
        "pendingSteps", n.pendingSteps()));
  }
}
