package dev.switchboard.local;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's stand-in for Stripe's hosted Checkout page, which is where a top-up's
 * {@code checkoutUrl} points in a local run: the amount and the organisation, a Pay button
 * (the session is paid and its signed {@code checkout.session.completed} delivered to the
 * webhook, as {@code POST /_local/checkout-sessions/{id}/pay} does, then a redirect to the
 * session's {@code success_url}) and Cancel (a redirect to its {@code cancel_url}; the session
 * stays open, as at Stripe). A session paid already or expired says so and offers no Pay.
 *
 * <p>Plain server-rendered HTML, no script: every value shown is escaped, and the page may not
 * load anything (Content-Security-Policy). Like everything under {@code /_local/} it is served
 * only to this machine ({@link ForwardedRequests}); a form posted from another site's page
 * (its {@code Origin} is not this server's) is refused.
 */
final class CheckoutPage {
  static final String PREFIX = ApiServer.LOCAL_PREFIX + "checkout/";
  private static final Pattern PATH =
      Pattern.compile(Pattern.quote(PREFIX) + "([A-Za-z0-9_]{1,255})(/pay|/cancel)?");
  private static final Map<String, String> HTML = Map.of(
      "content-type", "text/html; charset=utf-8",
      "cache-control", "no-store",
      "content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
      "x-content-type-options", "nosniff",
      // same-origin, not no-referrer: with no-referrer a browser posts the page's forms with Origin: null
      "referrer-policy", "same-origin");

  private CheckoutPage() {}

  static int serve(HttpExchange exchange, String method, String path, CheckoutPayer payer, LocalRun run)
      throws IOException {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      return page(exchange, 404, "Not found", "<p>No such page.</p>");
    }
    if (payer == null) {
      return page(exchange, 409, "Stripe is not sandboxed", "<p>This run uses the real Stripe: its Checkout "
          + "sessions are paid on Stripe's own page.</p>");
    }
    String id = m.group(1);
    String action = m.group(2) == null ? "" : m.group(2);
    Optional<Map<String, Object>> found = payer.stripe().session(id);
    if (found.isEmpty()) {
      return page(exchange, 404, "Checkout session not found",
          "<p>No checkout session <code>" + escape(id) + "</code> in this sandbox.</p>");
    }
    Map<String, Object> session = found.get();
    if (action.isEmpty()) {
      return method.equals("GET") ? show(exchange, session, run)
          : page(exchange, 405, "Method not allowed", "<p>Open this page with GET.</p>");
    }
    if (!method.equals("POST")) {
      return page(exchange, 405, "Method not allowed", "<p>Use the page's buttons.</p>");
    }
    if (!sameOrigin(exchange)) {
      return page(exchange, 403, "Forbidden", "<p>This form was posted from another site.</p>");
    }
    if (action.equals("/cancel")) {
      return redirect(exchange, (String) session.get("cancel_url"));
    }
    CheckoutPayer.Delivery delivery;
    try {
      delivery = payer.pay(id);
    } catch (IllegalStateException e) { // paid or expired meanwhile: the page says which
      return show(exchange, payer.stripe().session(id).orElse(session), run);
    }
    if (delivery.status() != 200) {
      return page(exchange, 502, "The webhook refused the payment",
          "<p>The session is paid, but <code>POST /webhooks/stripe</code> answered " + delivery.status()
              + ":</p><pre>" + escape(delivery.answer()) + "</pre><p>Stripe delivers it again; see the console.</p>");
    }
    return redirect(exchange, (String) session.get("success_url"));
  }

  private static int show(HttpExchange exchange, Map<String, Object> session, LocalRun run) throws IOException {
    String id = String.valueOf(session.get("id"));
    String amount = amount(session);
    String org = organisation(session, run);
    String status = String.valueOf(session.get("status"));
    StringBuilder body = new StringBuilder()
        .append("<p class=\"label\">Wallet top-up for</p>")
        .append("<p id=\"organisation\" class=\"org\">").append(escape(org)).append("</p>")
        .append("<p id=\"amount\" class=\"amount\">").append(escape(amount)).append("</p>");
    switch (status) {
      case "open" -> body
          .append("<form method=\"post\" action=\"").append(escape(PREFIX + id + "/pay")).append("\">")
          .append("<button id=\"pay\" type=\"submit\">Pay ").append(escape(amount)).append("</button></form>")
          .append("<form method=\"post\" action=\"").append(escape(PREFIX + id + "/cancel")).append("\">")
          .append("<button id=\"cancel\" type=\"submit\" class=\"secondary\">Cancel</button></form>")
          .append("<p class=\"note\">Sandbox: no card is charged. Pay completes the session and sends Stripe's "
              + "signed <code>checkout.session.completed</code> to the webhook.</p>");
      case "complete" -> body
          .append("<p id=\"state\" class=\"state\">This checkout session is already paid.</p>")
          .append(link(session.get("success_url"), "Back to the site"));
      default -> body
          .append("<p id=\"state\" class=\"state\">This checkout session has expired. Start a new top-up.</p>")
          .append(link(session.get("cancel_url"), "Back to the site"));
    }
    body.append("<p class=\"note\">Session <code>").append(escape(id)).append("</code></p>");
    return page(exchange, 200, "Pay " + amount + " - Switchboard sandbox checkout", body.toString());
  }

  /** "£50.00" for 5000 GBP pence; other currencies by their code. */
  static String amount(Map<String, Object> session) {
    long minor = session.get("amount_total") instanceof Number n ? n.longValue() : 0;
    String currency = String.valueOf(session.get("currency")).toUpperCase(Locale.ROOT);
    String figure = String.format(Locale.ROOT, "%d.%02d", minor / 100, minor % 100);
    return currency.equals("GBP") ? "£" + figure : figure + " " + currency;
  }

  /** The organisation's name from the database, with its id; the id alone when it cannot be read. */
  private static String organisation(Map<String, Object> session, LocalRun run) {
    Object orgId = session.get("metadata") instanceof Map<?, ?> metadata ? metadata.get("org_id") : null;
    if (orgId == null) {
      return "(no organisation in the session's metadata)";
    }
    String jdbcUrl = run.services().jdbcUrl();
    try (Connection c = DriverManager.getConnection(jdbcUrl);
         PreparedStatement ps = c.prepareStatement("SELECT name FROM organizations WHERE id = ?")) {
      ps.setObject(1, UUID.fromString(orgId.toString()));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) + " (" + orgId + ")" : orgId.toString();
      }
    } catch (SQLException | IllegalArgumentException e) { // a real database needs credentials the URL lacks
      return orgId.toString();
    }
  }

  /** A form on this page posts with this server's origin; any other origin is another site's page. */
  private static boolean sameOrigin(HttpExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    String host = exchange.getRequestHeaders().getFirst("Host");
    return origin == null || (host != null && origin.equals("http://" + host));
  }

  private static String link(Object url, String text) {
    return url == null ? "" : "<p><a id=\"back\" href=\"" + escape(url.toString()) + "\">" + escape(text) + "</a></p>";
  }

  private static int redirect(HttpExchange exchange, String location) throws IOException {
    if (location == null || !location.matches("https?://\\S+")) {
      return page(exchange, 409, "No return page", "<p>The session names no page to return to.</p>");
    }
    Map<String, String> headers = new LinkedHashMap<>(HTML);
    headers.put("location", location);
    return ApiServer.send(exchange, 303, headers, "<!doctype html><title>Redirecting</title><a href=\""
        + escape(location) + "\">Continue</a>");
  }

  private static int page(HttpExchange exchange, int status, String title, String body) throws IOException {
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>" + escape(title) + "</title><style>"
        + "body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}"
        + "main{max-width:420px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;"
        + "box-shadow:0 2px 8px rgba(0,0,0,.08)}"
        + ".badge{display:inline-block;background:#ffde92;color:#5a3e00;border-radius:4px;padding:2px 8px;"
        + "font-size:12px;font-weight:600}"
        + ".label{color:#697386;margin:24px 0 0}.org{font-size:18px;font-weight:600;margin:4px 0}"
        + ".amount{font-size:36px;font-weight:700;margin:8px 0 24px}"
        + "button{width:100%;padding:12px;font-size:16px;border:0;border-radius:6px;background:#635bff;color:#fff;"
        + "cursor:pointer;margin:4px 0}button.secondary{background:#e3e8ee;color:#1a1f36}"
        + ".note{color:#697386;font-size:13px}.state{font-size:16px;font-weight:600}"
        + "code,pre{font-size:12px;word-break:break-all;white-space:pre-wrap}</style></head>\n"
        + "<body><main><span class=\"badge\">SANDBOX</span><h1>Switchboard checkout</h1>"
        + body + "</main></body></html>\n";
    return ApiServer.send(exchange, status, HTML, html);
  }

  /** HTML-escapes text for element content and double-quoted attributes. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
