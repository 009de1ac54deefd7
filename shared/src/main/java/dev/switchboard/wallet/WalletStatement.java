package dev.switchboard.wallet;

import dev.switchboard.db.Database;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.org.Organizations;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GET /wallet: the balance and a page of the ledger, newest first. The cursor is opaque to
 * clients (it encodes the ledger position the next page starts below), so pages stay stable
 * while new entries arrive.
 */
public final class WalletStatement {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;
  private static final String CURSOR_PREFIX = "seq:";

  private final Database database;
  private final Organizations organizations = new Organizations();
  private final Ledger ledger = new Ledger();

  public WalletStatement(Database database) {
    this.database = database;
  }

  /** The balance, one page, and the cursor of the next page (empty on the last one). */
  public record Statement(Pence balance, List<Ledger.Transaction> transactions, Optional<String> nextCursor) {
    public Map<String, Object> toJson() {
      List<Object> rows = new ArrayList<>();
      for (Ledger.Transaction t : transactions) {
        rows.add(Json.obj(
            "id", t.id().toString(),
            "type", t.kind().wire(),
            "direction", t.credit() ? "credit" : "debit",
            "amountPence", t.amount().value(),
            "balanceBeforePence", t.balanceBefore().value(),
            "balanceAfterPence", t.balanceAfter().value(),
            "description", t.description(),
            "stripePaymentIntentId", t.paymentIntentId().orElse(null),
            "createdAt", t.createdAt().toString()));
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("balancePence", balance.value());
      json.put("currency", "gbp");
      json.put("transactions", rows);
      json.put("nextCursor", nextCursor.orElse(null)); // null on the last page, stated, not omitted
      return json;
    }
  }

  /** {@code limit} and {@code cursor} as the query string gave them (absent: defaults). */
  public Statement read(OrgId orgId, Optional<String> limitText, Optional<String> cursor) {
    return database.inTransaction(tx -> {
      Pence balance = organizations.require(tx, orgId).balance(); // 404 before any 400
      int limit = limit(limitText);
      Long before = cursor.map(WalletStatement::decode).orElse(null);
      // one more than asked: whether there is a next page, without a count
      List<Ledger.Transaction> rows = ledger.page(tx, orgId, before, limit + 1);
      if (rows.size() <= limit) {
        return new Statement(balance, rows, Optional.empty());
      }
      List<Ledger.Transaction> page = rows.subList(0, limit);
      return new Statement(balance, List.copyOf(page), Optional.of(encode(page.get(limit - 1).seq())));
    });
  }

  private static int limit(Optional<String> text) {
    if (text.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text.get().trim());
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw SwitchboardException.invalidField("limit", "limit must be a whole number from 1 to " + MAX_LIMIT);
  }

  static String encode(long seq) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((CURSOR_PREFIX + seq).getBytes(StandardCharsets.UTF_8));
  }

  static Long decode(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith(CURSOR_PREFIX)) {
        long seq = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
        if (seq > 0) {
          return seq;
        }
      }
    } catch (IllegalArgumentException e) {
      // answered below (NumberFormatException is one)
    }
    throw SwitchboardException.invalidField("cursor", "cursor is not one this API gave out");
  }
}
