package dev.switchboard.limits;

import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The SQL of org_rate_limits: one row per (organisation, action) counting the actions of its
 * current window. A window starts at the first action after the previous one ended, so a
 * burst is measured from its own start; the row is updated in place and never grows.
 */
public final class RateLimits {

  /**
   * Counts one more {@code limit.action()} for the organisation and refuses it (429) when that
   * is over the limit. Run it in the transaction that checked the organisation exists: a
   * refusal rolls the count back, so hammering a closed window does not keep it closed.
   */
  public void take(Connection tx, OrgId orgId, RateLimit limit, String what) throws SQLException {
    if (!limit.isOn()) {
      return;
    }
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO org_rate_limits AS l (org_id, action, window_start, hits)
        VALUES (?, ?, now(), 1)
        ON CONFLICT (org_id, action) DO UPDATE SET
          window_start = CASE WHEN l.window_start <= now() - ? * interval '1 second'
                              THEN now() ELSE l.window_start END,
          hits = CASE WHEN l.window_start <= now() - ? * interval '1 second' THEN 1 ELSE l.hits + 1 END
        RETURNING hits, ceil(extract(epoch FROM window_start + ? * interval '1 second' - now()))::bigint
        """)) {
      long seconds = limit.window().toSeconds();
      ps.setObject(1, orgId.value());
      ps.setString(2, limit.action());
      ps.setLong(3, seconds);
      ps.setLong(4, seconds);
      ps.setLong(5, seconds);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        limit.check(new RateLimit.Usage(rs.getLong(1), rs.getLong(2)), what);
      }
    }
  }
}
