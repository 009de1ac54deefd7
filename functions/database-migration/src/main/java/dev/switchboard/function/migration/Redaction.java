package dev.switchboard.function.migration;

import dev.switchboard.db.DatabaseUrl;

/** Removes the database credentials from a message before it leaves the function. */
final class Redaction {
  private static final int MAX_REASON = 1000;

  private Redaction() {}

  static String redact(String message, DatabaseUrl url) {
    String out = message;
    if (url != null && url.password().isPresent() && !url.password().get().isEmpty()) {
      out = out.replace(url.password().get(), "***");
    }
    out = out.replaceAll("(?i)(password=)[^&\\s)'\"]*", "$1***")
        .replaceAll("//[^/@\\s]+@", "//***@");
    return out.length() > MAX_REASON ? out.substring(0, MAX_REASON) + "…" : out;
  }
}
