package dev.switchboard.testing.fake;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parts of the Stripe API Switchboard calls, as stripe-java sends them: form-encoded
 * bodies with nested keys ({@code metadata[org_id]}, {@code payment_intent_data[metadata][type]},
 * {@code enabled_events[0]}), {@code Authorization: Bearer sk_test_…}, a {@code Stripe-Version}
 * header and an {@code Idempotency-Key} on every POST (the same key with the same parameters
 * replays the stored answer; with other parameters it is a 400 {@code idempotency_error}).
 * Every answer carries a {@code Request-Id}; errors use Stripe's body
 * {@code {"error":{"type":…,"code":…,"message":…,"param":…}}}.
 *
 * <p>Checkout sessions: create and retrieve, in the shape of the pinned API version's
 * {@code checkout.session} (its required {@code automatic_tax}, {@code custom_fields},
 * {@code custom_text}, {@code shipping_options}; {@code ui_mode: hosted_page}); the parsed form of
 * each create is kept ({@link #sessionForm}) so tests can assert metadata,
 * {@code payment_intent_data[metadata]} and {@code payment_intent_data[setup_future_usage]};
 * {@link #completeSession} pays one. A session created with {@code customer_creation=always}
 * gets a new Customer ({@code cus_…}) when paid, as Checkout creates one; one created with
 * {@code customer=} keeps that customer, which must exist ({@link #plantCustomer}, or one a paid
 * session created), else 400 {@code resource_missing} on {@code customer}.
 *
 * <p>Server errors as Stripe documents them for API v1: a 5xx on a POST that carries an
 * {@code Idempotency-Key} (the endpoint began executing) is kept under that key and replayed to
 * every retry with it, and says {@code Stripe-Should-Retry: false}, which stripe-java obeys; a
 * fault that says {@code Stripe-Should-Retry: true} ({@link #retryable}) is not kept, so a retry
 * runs the request. A 5xx on a GET or DELETE (no key) carries no such header.
 * Webhook endpoints: list (newest first, {@code limit} 1–100 default 10, {@code starting_after},
 * {@code ending_before}, {@code has_more}), create ({@code secret} only in that answer), retrieve,
 * update, delete. {@link #plantEndpoint} adds one "made by hand in the dashboard".
 */
public final class FakeStripe extends FakeHttpServer {
  public static final String CREATE_SESSION = "stripe.checkout.sessions.create";
  public static final String GET_SESSION = "stripe.checkout.sessions.retrieve";
  public static final String LIST_ENDPOINTS = "stripe.webhook_endpoints.list";
  public static final String CREATE_ENDPOINT = "stripe.webhook_endpoints.create";
  public static final String GET_ENDPOINT = "stripe.webhook_endpoints.retrieve";
  public static final String UPDATE_ENDPOINT = "stripe.webhook_endpoints.update";
  public static final String DELETE_ENDPOINT = "stripe.webhook_endpoints.delete";

  /** A key for tests that do not care which key is used (obviously fake). */
  public static final String DEFAULT_API_KEY = "sk_test_fake_switchboard_0000000000";

  /** The header by which Stripe tells its SDKs whether a failed request is worth retrying. */
  public static final String SHOULD_RETRY = "Stripe-Should-Retry";

  private static final Set<String> ENDPOINT_CREATE_PARAMS =
      Set.of("url", "enabled_events", "api_version", "description", "metadata", "connect", "expand");
  private static final Set<String> ENDPOINT_UPDATE_PARAMS =
      Set.of("url", "enabled_events", "description", "metadata", "disabled", "expand");
  private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(\\.[a-z]+)?");
  private static final Pattern EVENT_TYPE = Pattern.compile("\\*|[a-z_]+(\\.[a-z_]+)+");
  private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private volatile String apiKey;
  /** Where a session's {@code url} points: Stripe's hosted page, or a local runner's own. */
  private volatile String checkoutPages = "https://checkout.stripe.com/c/pay/";
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Map<String, Object>> sessions = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> sessionForms = new LinkedHashMap<>();
  private final Set<String> customers = new java.util.LinkedHashSet<>();
  private final Map<String, FakeStripeEndpoint> endpoints = new LinkedHashMap<>();
  private final Map<String, String> secrets = new LinkedHashMap<>();
  private final Map<String, Stored> idempotency = new LinkedHashMap<>();
  private final Set<String> refusedReturnUrls = new java.util.HashSet<>();

  public FakeStripe() {
    this(DEFAULT_API_KEY);
  }

  public FakeStripe(String apiKey) {
    this.apiKey = apiKey;
    route(CREATE_SESSION, "POST", "/v1/checkout/sessions", r -> answer(r, q -> idempotent(q, this::createSession)));
    route(GET_SESSION, "GET", "/v1/checkout/sessions/{id}", r -> answer(r, this::getSession));
    route(LIST_ENDPOINTS, "GET", "/v1/webhook_endpoints", r -> answer(r, this::listEndpoints));
    route(CREATE_ENDPOINT, "POST", "/v1/webhook_endpoints", r -> answer(r, q -> idempotent(q, this::createEndpoint)));
    route(GET_ENDPOINT, "GET", "/v1/webhook_endpoints/{id}", r -> answer(r, this::getEndpoint));
    route(UPDATE_ENDPOINT, "POST", "/v1/webhook_endpoints/{id}", r -> answer(r, q -> idempotent(q, this::updateEndpoint)));
    route(DELETE_ENDPOINT, "DELETE", "/v1/webhook_endpoints/{id}", r -> answer(r, this::deleteEndpoint));
    start();
  }

  // ------------------------------------------------------------------ helpers for tests

  /** Every webhook endpoint, oldest first. */
  public synchronized List<FakeStripeEndpoint> endpoints() {
    return List.copyOf(endpoints.values());
  }

  public synchronized Optional<FakeStripeEndpoint> endpoint(String id) {
    return Optional.ofNullable(endpoints.get(id));
  }

  /** Adds an endpoint as if made by hand in the dashboard (no metadata, account API version). */
  public synchronized FakeStripeEndpoint plantEndpoint(String url, List<String> events) {
    return plantEndpoint(url, events, Map.of());
  }

  /** Adds an endpoint with this metadata, e.g. another stack's ({@code stack_id}). */
  public synchronized FakeStripeEndpoint plantEndpoint(String url, List<String> events, Map<String, String> metadata) {
    FakeStripeEndpoint endpoint = new FakeStripeEndpoint(newId("we_", 24), url, events, null,
        "made by hand", Map.copyOf(metadata), false, nextCreated());
    endpoints.put(endpoint.id(), endpoint);
    secrets.put(endpoint.id(), "whsec_" + randomText(32));
    return endpoint;
  }

  /** As if the endpoint had been deleted by hand in the dashboard: a later retrieve is 404 resource_missing. */
  public synchronized void removeEndpoint(String endpointId) {
    endpoints.remove(endpointId);
    secrets.remove(endpointId);
  }

  /** As if the endpoint had been registered with another API version (before an SDK upgrade). */
  public synchronized void setApiVersionOf(String endpointId, String apiVersion) {
    FakeStripeEndpoint e = endpoints.get(endpointId);
    endpoints.put(endpointId, new FakeStripeEndpoint(e.id(), e.url(), e.enabledEvents(), apiVersion,
        e.description(), e.metadata(), e.disabled(), e.created()));
  }

  /** The signing secret Stripe generated for the endpoint (it shows it only on create). */
  public synchronized Optional<String> secretOf(String endpointId) {
    return Optional.ofNullable(secrets.get(endpointId));
  }

  /** Adds a Customer, as one made earlier (by a paid Checkout session, or in the Dashboard). */
  public synchronized String plantCustomer() {
    return plantCustomer(newId("cus_", 14));
  }

  /** Adds the Customer with this id: the one a webhook event a test composed names, say. */
  public synchronized String plantCustomer(String id) {
    customers.add(id);
    return id;
  }

  /** Every Customer the account holds, oldest first. */
  public synchronized List<String> customers() {
    return List.copyOf(customers);
  }

  /**
   * A 5xx for which Stripe says {@code Stripe-Should-Retry: true}: nothing was kept under the
   * idempotency key, so stripe-java's retry with the same key runs the request.
   */
  public static Fault retryable(int status) {
    return Fault.status(status).withHeader(SHOULD_RETRY, "true");
  }

  /** Every checkout session, oldest first, as Stripe would answer it now. */
  public synchronized List<Map<String, Object>> sessions() {
    return sessions.values().stream().map(s -> Collections.unmodifiableMap(new LinkedHashMap<>(s))).toList();
  }

  /** The create request of a session, parsed into nested maps and lists. */
  public synchronized Map<String, Object> sessionForm(String sessionId) {
    Map<String, Object> form = sessionForms.get(sessionId);
    if (form == null) {
      throw new IllegalArgumentException("no checkout session " + sessionId);
    }
    return Collections.unmodifiableMap(form);
  }

  /**
   * Pays a session as the customer would: status complete, payment_status paid, and a
   * PaymentIntent id. Returns the session object (what a checkout.session.completed event carries).
   * Only an open session can be paid, once: a paid or expired one is an {@link IllegalStateException}.
   */
  public Map<String, Object> completeSession(String sessionId) {
    Map<String, Object> paid;
    synchronized (this) {
      Map<String, Object> session = session(sessionId).map(s -> sessions.get(sessionId))
          .orElseThrow(() -> new IllegalArgumentException("no checkout session " + sessionId));
      if (!"open".equals(session.get("status"))) {
        throw new IllegalStateException("checkout session " + sessionId + " is "
            + ("complete".equals(session.get("status")) ? "paid already" : session.get("status")));
      }
      session.put("status", "complete");
      session.put("payment_status", "paid");
      session.put("payment_intent", newId("pi_", 24));
      session.put("url", null);
      if (session.get("customer") == null && "always".equals(session.get("customer_creation"))) {
        // Checkout creates the Customer from what the payer entered
        String customer = newId("cus_", 14);
        customers.add(customer);
        session.put("customer", customer);
      }
      session.put("customer_details", customerDetails(session));
      paid = new LinkedHashMap<>(session);
    }
    // the local runner's sandbox pays through here, not through a request; outside the lock,
    // as after a request, so a listener reading the state never waits on one holding it
    changed();
    return paid;
  }

  /** Sessions created from now on get {@code url = base + id}: a page that stands in for Stripe's. */
  public void checkoutPagesAt(String base) {
    checkoutPages = base;
  }

  /** The session as Stripe would answer it now (an open one past {@code expires_at} is expired). */
  public synchronized Optional<Map<String, Object>> session(String sessionId) {
    Map<String, Object> session = sessions.get(sessionId);
    if (session == null) {
      return Optional.empty();
    }
    if ("open".equals(session.get("status")) && session.get("expires_at") instanceof Number at
        && at.longValue() <= Instant.now().getEpochSecond()) {
      expire(session);
    }
    return Optional.of(Collections.unmodifiableMap(new LinkedHashMap<>(session)));
  }

  /** Expires an open session, as {@code POST /v1/checkout/sessions/{id}/expire} does: it can no longer be paid. */
  public void expireSession(String sessionId) {
    synchronized (this) {
      Map<String, Object> session = sessions.get(sessionId);
      if (session == null) {
        throw new IllegalArgumentException("no checkout session " + sessionId);
      }
      if (!"open".equals(session.get("status"))) {
        throw new IllegalStateException("checkout session " + sessionId + " is " + session.get("status"));
      }
      expire(session);
    }
    changed();
  }

  private static void expire(Map<String, Object> session) {
    session.put("status", "expired");
    session.put("url", null);
  }

  // ------------------------------------------------------------------ state kept between runs

  /**
   * What the fake holds: Checkout sessions with the form each was created from, Customers,
   * webhook endpoints with their signing secrets. (Idempotency keys are not kept: Stripe forgets
   * them after 24 hours anyway.)
   */
  public record State(List<Map<String, Object>> sessions, Map<String, Map<String, Object>> sessionForms,
                      List<FakeStripeEndpoint> endpoints, Map<String, String> endpointSecrets,
                      List<String> customers) {}

  public synchronized State state() {
    return new State(sessions(), Map.copyOf(sessionForms), endpoints(), Map.copyOf(secrets), customers());
  }

  /**
   * Puts back what {@link #state} returned, in its order. A session kept by an older fake is
   * brought to the current shape (the fields it lacked, at their values for a session made here).
   */
  public synchronized void restore(State state) {
    for (Map<String, Object> kept : state.sessions()) {
      Map<String, Object> session = new LinkedHashMap<>(kept);
      sessionDefaults().forEach(session::putIfAbsent);
      if ("hosted".equals(session.get("ui_mode"))) {
        session.put("ui_mode", "hosted_page");
      }
      sessions.put(String.valueOf(session.get("id")), session);
      if (session.get("customer") instanceof String customer) {
        customers.add(customer);
      }
    }
    if (state.customers() != null) {
      customers.addAll(state.customers());
    }
    state.sessionForms().forEach((id, form) -> sessionForms.put(id, new LinkedHashMap<>(form)));
    state.endpoints().forEach(e -> endpoints.put(e.id(), e));
    secrets.putAll(state.endpointSecrets());
  }

  // ------------------------------------------------------------------ checkout sessions

  /**
   * Makes Checkout refuse this return page as Stripe refuses one it does not accept: 400
   * {@code url_invalid} "Not a valid URL", naming the parameter.
   */
  public synchronized void refuseReturnUrl(String url) {
    refusedReturnUrls.add(url);
  }

  private synchronized FakeResponse createSession(FakeRequest request) {
    Map<String, Object> form = FakeStripeForm.parse(request.body());
    for (String param : List.of("success_url", "cancel_url")) {
      Object url = form.get(param);
      if (url != null && (!(url instanceof String s) || !s.matches("https?://[^\\s]+") || refusedReturnUrls.contains(s))) {
        throw new FakeStripeProblem(400, "url_invalid", "Not a valid URL", param);
      }
    }
    String mode = (String) form.get("mode");
    if (mode == null) {
      throw missing("mode");
    }
    if (!Set.of("payment", "setup", "subscription").contains(mode)) {
      throw invalid("mode", "Invalid mode: must be one of payment, setup, or subscription");
    }
    long amountTotal = 0;
    String currency = (String) form.get("currency");
    Object lineItems = form.get("line_items");
    if ("payment".equals(mode) && !(lineItems instanceof List<?> l && !l.isEmpty())) {
      throw missing("line_items");
    }
    if (lineItems instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        Map<String, Object> item = map(items.get(i), "line_items[" + i + "]");
        long quantity = number(item.getOrDefault("quantity", "1"), "line_items[" + i + "][quantity]");
        Map<String, Object> priceData = item.get("price_data") == null ? null
            : map(item.get("price_data"), "line_items[" + i + "][price_data]");
        if (priceData == null) {
          throw new FakeStripeProblem(400, "resource_missing", "No such price: '" + item.get("price") + "'", "line_items[" + i + "][price]");
        }
        String itemCurrency = (String) priceData.get("currency");
        if (itemCurrency == null) {
          throw missing("line_items[" + i + "][price_data][currency]");
        }
        if (currency != null && !currency.equalsIgnoreCase(itemCurrency)) {
          throw invalid("line_items", "All line items must use the same currency.");
        }
        currency = itemCurrency.toLowerCase();
        if (priceData.get("product_data") == null && priceData.get("product") == null) {
          throw missing("line_items[" + i + "][price_data][product_data]");
        }
        Object unitAmount = priceData.get("unit_amount");
        if (unitAmount == null) {
          throw missing("line_items[" + i + "][price_data][unit_amount]");
        }
        amountTotal += number(unitAmount, "line_items[" + i + "][price_data][unit_amount]") * quantity;
      }
    }
    Map<String, Object> paymentIntentData = form.get("payment_intent_data") == null ? Map.of()
        : map(form.get("payment_intent_data"), "payment_intent_data");
    Object setupFutureUsage = paymentIntentData.get("setup_future_usage");
    if (setupFutureUsage != null && !Set.of("on_session", "off_session").contains(setupFutureUsage)) {
      throw invalid("payment_intent_data[setup_future_usage]", "Invalid setup_future_usage: must be on_session or off_session");
    }
    Object reference = form.get("client_reference_id");
    if (reference instanceof String s && s.length() > 200) {
      throw invalid("client_reference_id", "client_reference_id must be at most 200 characters");
    }
    Object customer = form.get("customer");
    if (customer != null && !customers.contains(customer)) {
      throw new FakeStripeProblem(400, "resource_missing", "No such customer: '" + customer + "'", "customer");
    }
    Object customerCreation = form.get("customer_creation");
    if (customerCreation != null && !Set.of("always", "if_required").contains(customerCreation)) {
      throw invalid("customer_creation", "Invalid customer_creation: must be one of always or if_required");
    }

    String id = newId("cs_test_a1", 56);
    long created = nextCreated();
    Map<String, Object> session = new LinkedHashMap<>();
    session.put("id", id);
    session.put("object", "checkout.session");
    session.put("amount_subtotal", amountTotal);
    session.put("amount_total", amountTotal);
    session.put("cancel_url", form.get("cancel_url"));
    session.put("client_reference_id", reference);
    session.put("created", created);
    session.put("currency", currency);
    session.put("customer", customer);
    // a session for a known customer creates none; otherwise as asked, by default if_required
    session.put("customer_creation", customer != null ? null
        : customerCreation != null ? customerCreation : "if_required");
    session.put("customer_details", null);
    session.put("customer_email", form.get("customer_email"));
    session.put("expires_at", created + 24 * 3600);
    session.put("livemode", false);
    session.put("metadata", metadata(form.get("metadata"), "metadata", new LinkedHashMap<>()));
    session.put("mode", mode);
    session.put("payment_intent", null);
    session.put("payment_method_types", List.of("card"));
    session.put("payment_status", "unpaid");
    session.put("status", "open");
    session.put("success_url", form.get("success_url"));
    session.put("ui_mode", "hosted_page");
    session.put("url", checkoutPages + id);
    sessionDefaults().forEach(session::put);
    sessions.put(id, session);
    sessionForms.put(id, form);
    return ok(200, session);
  }

  /** The fields the API version requires that this fake always answers the same way. */
  private static Map<String, Object> sessionDefaults() {
    Map<String, Object> automaticTax = new LinkedHashMap<>();
    automaticTax.put("enabled", false);
    automaticTax.put("liability", null);
    automaticTax.put("provider", null);
    automaticTax.put("status", null);
    Map<String, Object> customText = new LinkedHashMap<>();
    customText.put("after_submit", null);
    customText.put("shipping_address", null);
    customText.put("submit", null);
    customText.put("terms_of_service_acceptance", null);
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("automatic_tax", automaticTax);
    defaults.put("custom_fields", List.of());
    defaults.put("custom_text", customText);
    defaults.put("shipping_options", List.of());
    return defaults;
  }

  /** What Checkout collected from the payer (the fake's payer gives only an email). */
  private static Map<String, Object> customerDetails(Map<String, Object> session) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("address", null);
    Object email = session.get("customer_email");
    details.put("email", email != null ? email : "payer@example.com");
    details.put("name", null);
    details.put("phone", null);
    details.put("tax_exempt", "none");
    details.put("tax_ids", List.of());
    return details;
  }

  private synchronized FakeResponse getSession(FakeRequest request) {
    String id = request.pathParam("id");
    Map<String, Object> session = sessions.get(id);
    if (session == null) {
      throw noSuch("checkout.session", id);
    }
    return ok(200, session);
  }

  // ------------------------------------------------------------------ webhook endpoints

  private synchronized FakeResponse listEndpoints(FakeRequest request) {
    Map<String, String> query = request.queryParams();
    long limit = query.containsKey("limit") ? number(query.get("limit"), "limit") : 10;
    if (limit < 1 || limit > 100) {
      throw invalid("limit", "Invalid limit: must be between 1 and 100");
    }
    List<FakeStripeEndpoint> newestFirst = new ArrayList<>(endpoints.values());
    Collections.reverse(newestFirst);
    int from = 0;
    int to = newestFirst.size();
    if (query.containsKey("starting_after")) {
      from = indexOf(newestFirst, query.get("starting_after"), "starting_after") + 1;
    } else if (query.containsKey("ending_before")) {
      to = indexOf(newestFirst, query.get("ending_before"), "ending_before");
      from = (int) Math.max(0, to - limit);
    }
    List<FakeStripeEndpoint> page = newestFirst.subList(from, (int) Math.min(to, from + limit));
    boolean hasMore = query.containsKey("ending_before") ? from > 0 : from + page.size() < to;
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("object", "list");
    list.put("data", page.stream().map(e -> e.toJson(null)).toList());
    list.put("has_more", hasMore);
    list.put("url", "/v1/webhook_endpoints");
    return ok(200, list);
  }

  private static int indexOf(List<FakeStripeEndpoint> list, String id, String param) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).id().equals(id)) {
        return i;
      }
    }
    throw new FakeStripeProblem(400, "resource_missing", "No such webhook endpoint: '" + id + "'", param);
  }

  private synchronized FakeResponse createEndpoint(FakeRequest request) {
    Map<String, Object> form = FakeStripeForm.parse(request.body());
    onlyParams(form, ENDPOINT_CREATE_PARAMS);
    String url = url(form.get("url"));
    if (url == null) {
      throw missing("url");
    }
    List<String> events = events(form.get("enabled_events"));
    if (events == null) {
      throw missing("enabled_events");
    }
    Object apiVersion = form.get("api_version");
    if (apiVersion != null && !(apiVersion instanceof String v && API_VERSION.matcher(v).matches())) {
      throw invalid("api_version", "Invalid API version: " + apiVersion);
    }
    FakeStripeEndpoint endpoint = new FakeStripeEndpoint(newId("we_", 24), url, events, (String) apiVersion,
        (String) form.get("description"), metadata(form.get("metadata"), "metadata", new LinkedHashMap<>()),
        false, nextCreated());
    String secret = "whsec_" + randomText(32);
    endpoints.put(endpoint.id(), endpoint);
    secrets.put(endpoint.id(), secret);
    return ok(200, endpoint.toJson(secret));
  }

  private synchronized FakeResponse getEndpoint(FakeRequest request) {
    return ok(200, existingEndpoint(request).toJson(null));
  }

  private synchronized FakeResponse updateEndpoint(FakeRequest request) {
    FakeStripeEndpoint current = existingEndpoint(request);
    Map<String, Object> form = FakeStripeForm.parse(request.body());
    onlyParams(form, ENDPOINT_UPDATE_PARAMS);
    String url = form.containsKey("url") ? url(form.get("url")) : current.url();
    if (url == null) {
      throw invalid("url", "Invalid URL: url cannot be empty");
    }
    List<String> events = form.containsKey("enabled_events") ? events(form.get("enabled_events")) : current.enabledEvents();
    if (events == null) {
      throw invalid("enabled_events", "enabled_events cannot be empty");
    }
    Object description = form.containsKey("description") ? form.get("description") : current.description();
    boolean disabled = form.containsKey("disabled") ? "true".equals(form.get("disabled")) : current.disabled();
    Map<String, String> metadata = metadata(form.get("metadata"), "metadata", new LinkedHashMap<>(current.metadata()));
    FakeStripeEndpoint updated = new FakeStripeEndpoint(current.id(), url, events, current.apiVersion(),
        "".equals(description) ? null : (String) description, metadata, disabled, current.created());
    endpoints.put(updated.id(), updated);
    return ok(200, updated.toJson(null));
  }

  private synchronized FakeResponse deleteEndpoint(FakeRequest request) {
    FakeStripeEndpoint endpoint = existingEndpoint(request);
    endpoints.remove(endpoint.id());
    secrets.remove(endpoint.id());
    Map<String, Object> deleted = new LinkedHashMap<>();
    deleted.put("id", endpoint.id());
    deleted.put("object", "webhook_endpoint");
    deleted.put("deleted", true);
    return ok(200, deleted);
  }

  private FakeStripeEndpoint existingEndpoint(FakeRequest request) {
    String id = request.pathParam("id");
    FakeStripeEndpoint endpoint = endpoints.get(id);
    if (endpoint == null) {
      throw noSuch("webhook endpoint", id);
    }
    return endpoint;
  }

  // ------------------------------------------------------------------ parameters

  private static void onlyParams(Map<String, Object> form, Set<String> allowed) {
    for (String key : form.keySet()) {
      if (!allowed.contains(key)) {
        throw new FakeStripeProblem(400, "parameter_unknown", "Received unknown parameter: " + key, key);
      }
    }
  }

  private static String url(Object value) {
    if (value == null || "".equals(value)) {
      return null;
    }
    if (!(value instanceof String s) || !(s.startsWith("https://") || s.startsWith("http://"))) {
      throw invalid("url", "Invalid URL: URL must be publicly accessible and start with http:// or https://");
    }
    return s;
  }

  private static List<String> events(Object value) {
    if (value == null || "".equals(value)) {
      return null;
    }
    if (!(value instanceof List<?> list) || list.isEmpty()) {
      throw invalid("enabled_events", "Invalid array");
    }
    List<String> events = new ArrayList<>();
    for (Object event : list) {
      if (!(event instanceof String s) || !EVENT_TYPE.matcher(s).matches()) {
        throw invalid("enabled_events", "Invalid event type: " + event);
      }
      events.add(s);
    }
    return events;
  }

  /** Merges metadata as Stripe does: an empty value removes the key; 50 keys, 40/500 chars. */
  private static Map<String, String> metadata(Object value, String param, Map<String, String> into) {
    if (value == null || "".equals(value)) {
      if ("".equals(value)) {
        into.clear(); // metadata= (empty) unsets all keys
      }
      return into;
    }
    for (Map.Entry<String, Object> e : map(value, param).entrySet()) {
      if (!(e.getValue() instanceof String v)) {
        throw invalid(param + "[" + e.getKey() + "]", "Invalid metadata value: must be a string");
      }
      if (e.getKey().length() > 40) {
        throw invalid(param, "Metadata keys can have up to 40 characters");
      }
      if (v.length() > 500) {
        throw invalid(param, "Metadata values can have up to 500 characters");
      }
      if (v.isEmpty()) {
        into.remove(e.getKey());
      } else {
        into.put(e.getKey(), v);
      }
    }
    if (into.size() > 50) {
      throw invalid(param, "Metadata can have up to 50 keys");
    }
    return into;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String param) {
    if (!(value instanceof Map)) {
      throw invalid(param, "Invalid hash");
    }
    return (Map<String, Object>) value;
  }

  private static long number(Object value, String param) {
    try {
      return Long.parseLong(String.valueOf(value));
    } catch (NumberFormatException e) {
      throw invalid(param, "Invalid integer: " + value);
    }
  }

  private static FakeStripeProblem missing(String param) {
    return new FakeStripeProblem(400, "parameter_missing", "Missing required param: " + param + ".", param);
  }

  private static FakeStripeProblem invalid(String param, String message) {
    return new FakeStripeProblem(400, "parameter_invalid", message, param);
  }

  private static FakeStripeProblem noSuch(String what, String id) {
    return new FakeStripeProblem(404, "resource_missing", "No such " + what + ": '" + id + "'", "id");
  }

  /** A refusal with Stripe's param field (the base class's FakeError carries no param). */
  private static final class FakeStripeProblem extends RuntimeException {
    final int status;
    final String code;
    final String param;

    FakeStripeProblem(int status, String code, String message, String param) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
      this.param = param;
    }
  }

  private FakeResponse answer(FakeRequest request, java.util.function.Function<FakeRequest, FakeResponse> handler) {
    try {
      return handler.apply(request);
    } catch (FakeStripeProblem p) {
      return stripeError(p.status, "invalid_request_error", p.code, p.getMessage(), p.param);
    }
  }

  // ------------------------------------------------------------------ idempotency

  private record Stored(String path, String body, FakeResponse response) {}

  /**
   * Stripe's idempotency: a POST with a key seen before replays the first answer (2xx only
   * here; a request that failed validation was not stored and may be retried), marked
   * {@code Idempotent-Replayed}; the same key with other parameters is refused.
   */
  private synchronized FakeResponse idempotent(FakeRequest request,
                                               java.util.function.Function<FakeRequest, FakeResponse> handler) {
    String key = request.header("Idempotency-Key");
    if (key == null) {
      return handler.apply(request);
    }
    Stored stored = idempotency.get(key);
    if (stored != null) {
      if (!stored.path().equals(request.path()) || !stored.body().equals(request.body())) {
        return stripeError(400, "idempotency_error", null,
            "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                + "Try using a key other than '" + key + "' if you meant to execute a different request.", null);
      }
      return stored.response().withHeader("Idempotent-Replayed", "true");
    }
    FakeResponse response = handler.apply(request);
    if (response.status() / 100 == 2) {
      idempotency.put(key, new Stored(request.path(), request.body(), response));
    }
    return response;
  }

  /**
   * A 5xx on a POST with an {@code Idempotency-Key}: the endpoint began executing, so Stripe
   * keeps the answer under the key and replays it to every retry with it, and says so with
   * {@code Stripe-Should-Retry: false}, unless the fault says the request may be retried.
   */
  @Override
  protected FakeResponse faultResponse(FakeRequest request, Fault.Status fault) {
    FakeResponse response = super.faultResponse(request, fault);
    String key = request.header("Idempotency-Key");
    if (fault.status() < 500 || key == null || !request.method().equals("POST")
        || "true".equals(fault.headers().get(SHOULD_RETRY))) {
      return response;
    }
    if (!fault.headers().containsKey(SHOULD_RETRY)) {
      response = response.withHeader(SHOULD_RETRY, "false");
    }
    synchronized (this) {
      idempotency.putIfAbsent(key, new Stored(request.path(), request.body(), response));
    }
    return response;
  }

  /** Rolls the account's secret key as the Dashboard does with "expire now": the old one is refused (401). */
  public void rollApiKey(String newKey) {
    apiKey = newKey;
  }

  // ------------------------------------------------------------------ Stripe's wire details

  @Override
  protected FakeResponse authenticate(FakeRequest request) {
    String header = request.header("Authorization");
    if (header == null || !header.startsWith("Bearer ") || header.length() <= "Bearer ".length()) {
      return stripeError(401, "invalid_request_error", null,
          "You did not provide an API key. You need to provide your API key in the Authorization header, "
              + "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').", null);
    }
    String given = header.substring("Bearer ".length());
    if (!given.equals(apiKey)) {
      String tail = given.length() > 4 ? given.substring(given.length() - 4) : "";
      return stripeError(401, "invalid_request_error", "api_key_invalid",
          "Invalid API Key provided: sk_test_********" + tail, null);
    }
    String version = request.header("Stripe-Version");
    if (version != null && !API_VERSION.matcher(version).matches()) {
      return stripeError(400, "invalid_request_error", null, "Invalid Stripe API version: " + version, null);
    }
    return null;
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    String type = status == 402 ? "card_error" : status >= 500 ? "api_error" : "invalid_request_error";
    String text = message != null ? message
        : status >= 500 ? "Something went wrong on Stripe's end." : status == 429
            ? "Too many requests hit the API too quickly." : "Request failed";
    return stripeError(status, type, code, text, null);
  }

  private FakeResponse stripeError(int status, String type, String code, String message, String param) {
    Map<String, Object> error = new LinkedHashMap<>();
    if (code != null) {
      error.put("code", code);
      error.put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    }
    error.put("message", message);
    if (param != null) {
      error.put("param", param);
    }
    String requestId = newId("req_", 14);
    error.put("request_log_url", "https://dashboard.stripe.com/test/logs/" + requestId);
    error.put("type", type);
    return FakeResponse.json(status, toJson(Map.of("error", error))).withHeader("Request-Id", requestId);
  }

  private FakeResponse ok(int status, Map<String, Object> body) {
    return FakeResponse.json(status, toJson(body)).withHeader("Request-Id", newId("req_", 14));
  }

  private static long nextCreated() {
    return Instant.now().getEpochSecond(); // seconds, as Stripe; order of creation is kept apart
  }

  private String newId(String prefix, int length) {
    return prefix + randomText(length);
  }

  private String randomText(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
    }
    return sb.toString();
  }
}
