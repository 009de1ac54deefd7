package dev.switchboard.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Plain SQL for arranging and inspecting a test database, the way the wider platform (which
 * owns organisations and agents) would write it. Money only ever enters through a ledger row.
 */
public final class TestData implements AutoCloseable {
  private final String jdbcUrl;
  private final Connection c;

  public TestData(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
    try {
      this.c = DriverManager.getConnection(jdbcUrl);
      c.setAutoCommit(true);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public Connection connection() {
    return c;
  }

  /**
   * An organisation to make, as the platform creates it ({@code INSERT (id, name)}), with what a
   * test adds: {@code db.org().id(Events.ORG).balance(5000).agent("outbound").create()}.
   */
  public Org org() {
    return new Org();
  }

  /** The org the events/ files name ({@link Events#ORG}), nothing else. */
  public UUID eventOrg() {
    return org().id(Events.ORG).named("Event org").create();
  }

  /** An organisation as the platform creates it: {@code INSERT (id, name)} and nothing else. */
  public UUID organization(String name) {
    return org().named(name).create();
  }

  /** An organisation with money in its wallet, credited through the ledger. */
  public UUID organization(String name, long balancePence) {
    return org().named(name).balance(balancePence).create();
  }

  public void credit(UUID orgId, long pence, String type, String description) {
    update("""
        INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,
                                         balance_after_pence, description)
        VALUES (?, ?, 'credit', ?, 0, 0, ?)
        """, orgId, type, pence, description);
  }

  /** Money spent: a debit row (the ledger's trigger moves the balance). */
  public void debit(UUID orgId, long pence, String type, String description) {
    update("""
        INSERT INTO credit_transactions (org_id, type, direction, amount_pence, balance_before_pence,
                                         balance_after_pence, description)
        VALUES (?, ?, 'debit', ?, 0, 0, ?)
        """, orgId, type, pence, description);
  }

  public UUID agent(UUID orgId, String role) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO agents (id, org_id, role) VALUES (?, ?, ?)", id, orgId, role);
    return id;
  }

  public UUID agentWithAssistant(UUID orgId, String role, String assistantId) {
    UUID id = agent(orgId, role);
    update("UPDATE agents SET vapi_assistant_id = ? WHERE id = ?", assistantId, id);
    return id;
  }

  /** A BYOC number, as the platform's own-Twilio flow records it. */
  public UUID byocCredential(UUID orgId, String direction, String phoneNumber, String vapiPhoneId) {
    UUID id = UUID.randomUUID();
    update("""
        INSERT INTO org_credentials (id, org_id, provider, type, is_managed, encrypted_config, metadata)
        VALUES (?, ?, 'twilio', ?, false, 'not-decryptable-by-design', ?::jsonb)
        """, id, orgId, direction,
        "{\"phoneNumber\":\"" + phoneNumber + "\",\"vapiPhoneId\":\"" + vapiPhoneId + "\"}");
    return id;
  }

  public long balance(UUID orgId) {
    return queryLong("SELECT wallet_balance_pence FROM organizations WHERE id = ?", orgId);
  }

  /** The signed sum of the org's ledger: must always equal {@link #balance}. */
  public long ledgerSum(UUID orgId) {
    return queryLong("""
        SELECT coalesce(sum(CASE direction WHEN 'credit' THEN amount_pence ELSE -amount_pence END), 0)
          FROM credit_transactions WHERE org_id = ?
        """, orgId);
  }

  /** Asserts the wallet holds {@code pence} and, as always, equals its ledger's sum. */
  public void assertWallet(UUID orgId, long pence) {
    long balance = balance(orgId);
    long ledger = ledgerSum(orgId);
    if (balance != pence || ledger != pence) {
      throw new AssertionError("wallet of " + orgId + ": expected " + pence + ", balance " + balance
          + ", ledger sum " + ledger);
    }
  }

  public long count(String sql, Object... args) {
    return queryLong(sql, args);
  }

  public long queryLong(String sql, Object... args) {
    List<Map<String, Object>> rows = rows(sql, args);
    if (rows.isEmpty()) {
      throw new IllegalStateException("no row for: " + sql);
    }
    Object v = rows.get(0).values().iterator().next();
    return v == null ? 0 : ((Number) v).longValue();
  }

  public List<Map<String, Object>> rows(String sql, Object... args) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<Map<String, Object>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= n; i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          out.add(row);
        }
        return out;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public Map<String, Object> row(String sql, Object... args) {
    List<Map<String, Object>> rows = rows(sql, args);
    if (rows.size() != 1) {
      throw new IllegalStateException(rows.size() + " rows for: " + sql);
    }
    return rows.get(0);
  }

  public int update(String sql, Object... args) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Runs statements in one transaction; the commit's exception (if any) is thrown. */
  public void inTransaction(String... statements) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Waits until {@code n} sessions of this database wait for a lock (only a hang fails it). */
  public void awaitSessionsWaitingForALock(int n) {
    Await.until(n + " sessions waiting for a lock", () -> count("SELECT count(*) FROM pg_stat_activity "
        + "WHERE datname = current_database() AND wait_event_type = 'Lock'") >= n);
  }

  /** Ends every other session on this database: a killed connection, as after a failover. */
  public void killOtherConnections() {
    rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }

  /** An organisation being described; {@link #create()} writes it. */
  public final class Org {
    private UUID id = UUID.randomUUID();
    private String name = "Org";
    private long balancePence;
    private final List<String[]> agents = new ArrayList<>();

    private Org() {
    }

    public Org id(UUID id) {
      this.id = id;
      return this;
    }

    public Org named(String name) {
      this.name = name;
      return this;
    }

    /** Money in its wallet, credited through the ledger as an opening balance. */
    public Org balance(long pence) {
      this.balancePence = pence;
      return this;
    }

    public Org agent(String role) {
      return agentWithAssistant(role, null);
    }

    public Org agentWithAssistant(String role, String assistantId) {
      agents.add(new String[] {role, assistantId});
      return this;
    }

    /** Writes the organisation (and its money and agents); its id. */
    public UUID create() {
      update("INSERT INTO organizations (id, name) VALUES (?, ?)", id, name);
      if (balancePence > 0) {
        credit(id, balancePence, "adjustment", "opening balance");
      }
      for (String[] agent : agents) {
        if (agent[1] == null) {
          TestData.this.agent(id, agent[0]);
        } else {
          TestData.this.agentWithAssistant(id, agent[0], agent[1]);
        }
      }
      return id;
    }
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  @Override
  public void close() {
    try {
      c.close();
    } catch (SQLException ignored) {
      // closing a test connection
    }
  }
}
