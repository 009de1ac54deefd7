package dev.switchboard.numbers;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.E164Number;
import dev.switchboard.domain.NumberStatus;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.domain.WireValue;
import dev.switchboard.limits.RateLimit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of a managed number: its row in managed_phone_numbers, its inbound mapping and the
 * agents linked to it. Every change of a number's status is here, in one place.
 *
 * <p>A saga working on a number holds a lease ({@code lease_expires_at}); a retry or the
 * reconciler touches the number only once the lease has lapsed, so no two workers ever run
 * the same step at once.
 */
public final class ManagedNumbers {
  private static final String COLUMNS = """
      id, org_id, phone_number, country_code, number_type, routing_direction, status, price_pence,
      twilio_account_sid, twilio_phone_sid, vapi_phone_id, charged_at, vapi_released_at,
      twilio_released_at, refunded_at, failed_step, attempts
      """;

  /** Whether the org holds a provisioning, active or releasing number in that direction. */
  public boolean hasLiveNumber(Connection tx, OrgId orgId, Direction direction) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT 1 FROM managed_phone_numbers
         WHERE org_id = ? AND routing_direction = ? AND status IN ('provisioning', 'active', 'releasing')
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, direction.wire());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Step 1 of provisioning: the durable record, charged and leased to this saga. */
  public UUID insertProvisioning(Connection tx, OrgId orgId, Country country, NumberType type,
                                 Optional<String> areaCode, Direction direction, Pence price,
                                 Duration lease) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO managed_phone_numbers (org_id, country_code, number_type, area_code, routing_direction,
                                           status, price_pence, charged_at, lease_expires_at)
        VALUES (?, ?, ?, ?, ?, 'provisioning', ?, CASE WHEN ? > 0 THEN now() END, now() + ? * interval '1 second')
        RETURNING id
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, country.wire());
      ps.setString(3, type.wire());
      ps.setString(4, areaCode.orElse(null));
      ps.setString(5, direction.wire());
      ps.setLong(6, price.value());
      ps.setLong(7, price.value());
      ps.setLong(8, lease.toSeconds());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getObject(1, UUID.class);
      }
    }
  }

  public Optional<ManagedNumber> find(Connection tx, UUID id) throws SQLException {
    return one(tx, "SELECT " + COLUMNS + " FROM managed_phone_numbers WHERE id = ?", id);
  }

  /** The org's number, locked; empty for an unknown id or another org's number. */
  public Optional<ManagedNumber> lockOfOrg(Connection tx, OrgId orgId, UUID id) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT " + COLUMNS + " FROM managed_phone_numbers WHERE id = ? AND org_id = ? FOR UPDATE")) {
      ps.setObject(1, id);
      ps.setObject(2, orgId.value());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    }
  }

  /** The number, locked for the rest of the transaction: a status read here cannot change under us. */
  public Optional<ManagedNumber> lock(Connection tx, UUID id) throws SQLException {
    return one(tx, "SELECT " + COLUMNS + " FROM managed_phone_numbers WHERE id = ? FOR UPDATE", id);
  }

  /** Takes the lease if nobody holds it; false while another worker's lease runs. */
  public boolean tryLease(Connection tx, UUID id, Duration lease) throws SQLException {
    return Sql.update(tx, """
        UPDATE managed_phone_numbers SET lease_expires_at = now() + ? * interval '1 second', updated_at = now()
         WHERE id = ? AND (lease_expires_at IS NULL OR lease_expires_at < now())
        """, lease.toSeconds(), id) == 1;
  }

  /**
   * Leases up to {@code limit} unfinished numbers (provisioning, releasing, or failed with its
   * provider clean-up pending) whose lease has lapsed and whose back-off has passed; rows
   * another reconciler holds are skipped.
   */
  public List<UUID> leaseUnfinished(Connection tx, int limit, Duration lease) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE managed_phone_numbers SET lease_expires_at = now() + ? * interval '1 second', updated_at = now()
         WHERE id IN (SELECT id FROM managed_phone_numbers
                       WHERE (status IN ('provisioning', 'releasing') OR cleanup_pending)
                         AND (lease_expires_at IS NULL OR lease_expires_at < now())
                         AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                       ORDER BY next_attempt_at NULLS FIRST, created_at
                       LIMIT ? FOR UPDATE SKIP LOCKED)
        RETURNING id
        """)) {
      ps.setLong(1, lease.toSeconds());
      ps.setInt(2, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getObject(1, UUID.class));
        }
      }
    }
    return ids;
  }

  /** The reconciler's backlog: numbers it must still clean up, and provisionings no request is working on. */
  public record Backlog(long pendingCleanups, long interruptedSagas) {}

  public Backlog backlog(Connection tx) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT count(*) FILTER (WHERE status = 'releasing' OR cleanup_pending) AS pending_cleanups,
               count(*) FILTER (WHERE status = 'provisioning'
                                  AND (lease_expires_at IS NULL OR lease_expires_at < now())) AS interrupted_sagas
          FROM managed_phone_numbers
         WHERE status IN ('provisioning', 'releasing') OR cleanup_pending
        """);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Backlog(rs.getLong("pending_cleanups"), rs.getLong("interrupted_sagas"));
    }
  }

  /** Unfinished numbers, for a dry run's report: nothing is leased or changed. */
  public List<ManagedNumber> unfinished(Connection tx, int limit) throws SQLException {
    List<ManagedNumber> out = new ArrayList<>();
    try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
        + " FROM managed_phone_numbers WHERE status IN ('provisioning', 'releasing') OR cleanup_pending"
        + " ORDER BY created_at LIMIT ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(map(rs));
        }
      }
    }
    return out;
  }

  public void releaseLease(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET lease_expires_at = NULL, updated_at = now() WHERE id = ?", id);
  }

  public void recordSubaccount(Connection tx, UUID id, String accountSid) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET twilio_account_sid = ?, updated_at = now() WHERE id = ?",
        accountSid, id);
  }

  /**
   * The number about to be bought: recorded first, so a purchase that times out can be found.
   * Throws a unique violation (23505) when another live record holds that number.
   */
  public void recordCandidate(Connection tx, UUID id, E164Number number) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET phone_number = ?, updated_at = now() WHERE id = ?",
        number.value(), id);
  }

  /** Another record's hold on a number found at Twilio: its recorded SID, or its live candidate. */
  public enum OtherClaim { SID, CANDIDATE }

  /**
   * Whether a number found at Twilio under {@code phoneNumber} may belong to another record
   * rather than to {@code id}'s late purchase: another record holds its SID, or another live
   * record holds the phone number (its own purchase may be what landed).
   */
  public Optional<OtherClaim> otherClaim(Connection tx, UUID id, E164Number phoneNumber, String sid)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT count(*) AS claims, coalesce(bool_or(twilio_phone_sid IS NOT NULL AND twilio_phone_sid = ?), false) AS by_sid
          FROM managed_phone_numbers
         WHERE id <> ? AND (twilio_phone_sid = ?
                            OR (phone_number = ? AND status IN ('provisioning', 'active', 'releasing')))
        """)) {
      ps.setString(1, sid);
      ps.setObject(2, id);
      ps.setString(3, sid);
      ps.setString(4, phoneNumber.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong("claims") == 0) {
          return Optional.empty();
        }
        return Optional.of(rs.getBoolean("by_sid") ? OtherClaim.SID : OtherClaim.CANDIDATE);
      }
    }
  }


  public void recordPurchase(Connection tx, UUID id, E164Number number, String phoneSid) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers SET phone_number = ?, twilio_phone_sid = ?, purchased_at = now(), updated_at = now()
         WHERE id = ?
        """, number.value(), phoneSid, id);
  }

  public void recordImport(Connection tx, UUID id, String vapiPhoneId) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers SET vapi_phone_id = ?, imported_at = now(), updated_at = now()
         WHERE id = ?
        """, vapiPhoneId, id);
  }

  /** Step 3 of provisioning: the number is live (the caller writes its credential in the same commit). */
  public void activate(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers
           SET status = 'active', provisioned_at = now(), lease_expires_at = NULL, failed_step = NULL,
               last_error = NULL, next_attempt_at = NULL, updated_at = now()
         WHERE id = ? AND status = 'provisioning'
        """, id);
  }

  /** Step 1 of release (the caller removes its credential, mapping and agent links in the same commit). */
  public void markReleasing(Connection tx, UUID id, Duration lease) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers
           SET status = 'releasing', attempts = 0, next_attempt_at = NULL,
               lease_expires_at = now() + ? * interval '1 second', updated_at = now()
         WHERE id = ? AND status = 'active'
        """, lease.toSeconds(), id);
  }

  public void recordVapiReleased(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET vapi_released_at = now(), updated_at = now() WHERE id = ?", id);
  }

  public void recordTwilioReleased(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET twilio_released_at = now(), updated_at = now() WHERE id = ?", id);
  }

  /** Found nothing to release at a provider for a step whose id was never recorded. */
  public void recordNothingAt(Connection tx, UUID id, ManagedNumber.ReleaseStep step) throws SQLException {
    if (step == ManagedNumber.ReleaseStep.VAPI) {
      recordVapiReleased(tx, id);
    } else {
      recordTwilioReleased(tx, id);
    }
  }

  public void recordPhoneSid(Connection tx, UUID id, String phoneSid) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET twilio_phone_sid = ?, updated_at = now() WHERE id = ?", phoneSid, id);
  }

  public void recordVapiId(Connection tx, UUID id, String vapiPhoneId) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET vapi_phone_id = ?, updated_at = now() WHERE id = ?", vapiPhoneId, id);
  }

  public void recordRefund(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, "UPDATE managed_phone_numbers SET refunded_at = now(), updated_at = now() WHERE id = ?", id);
  }

  /** Step 3 of release: gone from both providers. */
  public void markReleased(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers
           SET status = 'released', released_at = now(), lease_expires_at = NULL, last_error = NULL,
               next_attempt_at = NULL, updated_at = now()
         WHERE id = ? AND status = 'releasing'
        """, id);
  }

  /**
   * A provisioning that cannot complete, in the commit that refunds it: it holds nothing a user
   * can see from now on (its direction and phone number are free). The saga keeps its lease
   * while it cleans up at the providers; what it cannot finish stays cleanup_pending.
   */
  /**
   * {@code causedByRequest}: the tenant's request made it fail (what the failed-provisioning
   * limit counts), not the platform.
   */
  public void markFailed(Connection tx, UUID id, String step, String error, boolean causedByRequest)
      throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers
           SET status = 'failed', failed_step = coalesce(failed_step, ?), last_error = left(?, 500),
               failed_at = now(), failure_caused_by_request = ?, next_attempt_at = NULL, updated_at = now()
         WHERE id = ? AND status = 'provisioning'
        """, step, error, causedByRequest, id);
  }

  /** The clean-up of a failed number is done: nothing is held at the providers. */
  public void finishCleanup(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers SET lease_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
         WHERE id = ? AND status = 'failed'
        """, id);
  }

  /**
   * Records why a step failed, backs off exponentially (1, 2, 4 … 60 minutes) and gives the
   * lease up so the next retry or reconciler run can resume.
   */
  public void recordFailure(Connection tx, UUID id, String step, String error) throws SQLException {
    Sql.update(tx, """
        UPDATE managed_phone_numbers
           SET failed_step = coalesce(failed_step, ?), last_error = left(?, 500), attempts = attempts + 1,
               next_attempt_at = now() + least(power(2, attempts), 60) * interval '1 minute',
               lease_expires_at = NULL, updated_at = now()
         WHERE id = ?
        """, step, error, id);
  }

  // ------------------------------------------------------------ mapping and agents

  public void insertInboundMapping(Connection tx, OrgId orgId, UUID id, E164Number number) throws SQLException {
    Sql.update(tx, "INSERT INTO phone_number_mapping (org_id, phone_number, managed_number_id) VALUES (?, ?, ?)",
        orgId.value(), number.value(), id);
  }

  public void deleteMapping(Connection tx, UUID id) throws SQLException {
    Sql.update(tx, "DELETE FROM phone_number_mapping WHERE managed_number_id = ?", id);
  }

  /**
   * Links a new number to the org's agents: an outbound number becomes the outbound agents'
   * caller id; an inbound one fills it only where empty, as a fallback.
   */
  public void linkAgents(Connection tx, OrgId orgId, UUID id, Direction direction, String vapiPhoneId)
      throws SQLException {
    if (direction == Direction.OUTBOUND) {
      Sql.update(tx, """
          UPDATE agents SET vapi_phone_number_id = ?, linked_phone_number_id = ?, updated_at = now()
           WHERE org_id = ? AND role = 'outbound'
          """, vapiPhoneId, id, orgId.value());
    } else if (direction == Direction.INBOUND) {
      Sql.update(tx, """
          UPDATE agents SET vapi_phone_number_id = ?, linked_phone_number_id = ?, updated_at = now()
           WHERE org_id = ? AND role = 'outbound' AND vapi_phone_number_id IS NULL
          """, vapiPhoneId, id, orgId.value());
    }
  }

  /** Unlinks every agent of the org that points at this number, by link or by Vapi id. */
  public void unlinkAgents(Connection tx, ManagedNumber n) throws SQLException {
    Sql.update(tx, """
        UPDATE agents SET vapi_phone_number_id = NULL, linked_phone_number_id = NULL, updated_at = now()
         WHERE org_id = ? AND (linked_phone_number_id = ? OR (vapi_phone_number_id IS NOT NULL AND vapi_phone_number_id = ?))
        """, n.orgId().value(), n.id(), n.vapiPhoneId().orElse(null));
  }

  /**
   * The fallback caller id: an outbound agent left without one (its outbound number released)
   * gets the org's active inbound number, as an inbound number fills it where empty.
   */
  public void fillCallerIdFromInbound(Connection tx, OrgId orgId) throws SQLException {
    Sql.update(tx, """
        UPDATE agents a SET vapi_phone_number_id = m.vapi_phone_id, linked_phone_number_id = m.id, updated_at = now()
          FROM (SELECT id, vapi_phone_id FROM managed_phone_numbers
                 WHERE org_id = ? AND routing_direction = 'inbound' AND status = 'active'
                 ORDER BY provisioned_at LIMIT 1) m
         WHERE a.org_id = ? AND a.role = 'outbound' AND a.vapi_phone_number_id IS NULL
        """, orgId.value(), orgId.value());
  }

  /** The inbound agent's Vapi assistant, which answers calls to a new inbound number. */
  public Optional<String> inboundAssistant(Connection tx, OrgId orgId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT vapi_assistant_id FROM agents
         WHERE org_id = ? AND role = 'inbound' AND vapi_assistant_id IS NOT NULL
         ORDER BY created_at LIMIT 1
        """)) {
      ps.setObject(1, orgId.value());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  // ------------------------------------------------------------ reconciler's view

  /** Twilio number SIDs and Vapi ids that a record still accounts for (anything not released or failed). */
  public List<String> accountedProviderIds(Connection tx) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT twilio_phone_sid AS pid FROM managed_phone_numbers
         WHERE twilio_phone_sid IS NOT NULL AND twilio_released_at IS NULL
        UNION ALL
        SELECT vapi_phone_id FROM managed_phone_numbers
         WHERE vapi_phone_id IS NOT NULL AND vapi_released_at IS NULL
        UNION ALL
        SELECT phone_number FROM managed_phone_numbers
         WHERE phone_number IS NOT NULL AND (status IN ('provisioning', 'active', 'releasing') OR cleanup_pending)
        """);
         ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  // ------------------------------------------------------------------- plumbing

  private Optional<ManagedNumber> one(Connection tx, String sql, UUID id) throws SQLException {
    return Sql.one(tx, sql, ManagedNumbers::map, id);
  }


  /**
   * The org's provisioning attempts that failed in the last {@code window} because of what its
   * request asked for, and when the oldest of them leaves it: what the failed-provisioning limit
   * counts. Refunded or not (a free number refunds nothing); a failure of the platform does not
   * count.
   */
  public RateLimit.Usage failedAttemptsCausedByRequests(Connection tx, OrgId orgId, Duration window)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT count(*), coalesce(ceil(extract(epoch FROM min(failed_at) + ? * interval '1 second' - now())), 0)::bigint
          FROM managed_phone_numbers
         WHERE org_id = ? AND failure_caused_by_request AND failed_at > now() - ? * interval '1 second'
        """)) {
      ps.setLong(1, window.toSeconds());
      ps.setObject(2, orgId.value());
      ps.setLong(3, window.toSeconds());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new RateLimit.Usage(rs.getLong(1), rs.getLong(2));
      }
    }
  }

  private static ManagedNumber map(ResultSet rs) throws SQLException {
    return new ManagedNumber(
        rs.getObject("id", UUID.class),
        new OrgId(rs.getObject("org_id", UUID.class)),
        Optional.ofNullable(rs.getString("phone_number")).map(E164Number::new),
        WireValue.require(Country.class, rs.getString("country_code")),
        WireValue.require(NumberType.class, rs.getString("number_type")),
        WireValue.require(Direction.class, rs.getString("routing_direction")),
        WireValue.require(NumberStatus.class, rs.getString("status")),
        Pence.of(rs.getLong("price_pence")),
        Optional.ofNullable(rs.getString("twilio_account_sid")),
        Optional.ofNullable(rs.getString("twilio_phone_sid")),
        Optional.ofNullable(rs.getString("vapi_phone_id")),
        rs.getTimestamp("charged_at") != null,
        rs.getTimestamp("vapi_released_at") != null,
        rs.getTimestamp("twilio_released_at") != null,
        rs.getTimestamp("refunded_at") != null,
        Optional.ofNullable(rs.getString("failed_step")),
        rs.getInt("attempts"));
  }
}
