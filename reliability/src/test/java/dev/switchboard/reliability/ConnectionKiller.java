package dev.switchboard.reliability;

import dev.switchboard.testing.TestData;

/**
 * Kills the database connection in the middle of one chosen transaction: a trigger on the row
 * that transaction writes terminates its own backend (pg_terminate_backend), so the commit
 * never happens and the client sees the connection die, as after a failover. It fires once:
 * a sequence (not rolled back with the dying transaction) is the fuse.
 */
final class ConnectionKiller {
  private ConnectionKiller() {}

  /**
   * Arms it: {@code timing} is e.g. "AFTER INSERT ON org_credentials" and {@code when} a
   * trigger WHEN condition (or null).
   */
  static void arm(TestData db, String timing, String when) {
    db.update("CREATE SEQUENCE reliability_fuse");
    db.update("""
        CREATE FUNCTION reliability_kill_connection() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('reliability_fuse') = 1 THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
            PERFORM pg_sleep(5); -- the termination interrupts this sleep
          END IF;
          RETURN NULL;
        END; $$""");
    db.update("CREATE TRIGGER reliability_kill_connection " + timing + " FOR EACH ROW "
        + (when == null ? "" : "WHEN (" + when + ") ") + "EXECUTE FUNCTION reliability_kill_connection()");
  }

  /** Whether it fired. */
  static boolean fired(TestData db) {
    return db.count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM reliability_fuse") > 0;
  }
}
