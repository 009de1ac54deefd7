package dev.switchboard.numbers;

import dev.switchboard.db.Database;
import dev.switchboard.domain.OrgId;
import dev.switchboard.org.Organizations;
import java.util.List;

/** The agent dropdown: every usable number of an organisation, read from org_credentials. */
public final class ListNumbers {
  private final Database db;
  private final Organizations organizations = new Organizations();
  private final Credentials credentials = new Credentials();

  public ListNumbers(Database db) {
    this.db = db;
  }

  public List<DropdownNumber> list(OrgId orgId) {
    return db.inTransaction(tx -> {
      organizations.require(tx, orgId);
      return credentials.dropdown(tx, orgId);
    });
  }
}
