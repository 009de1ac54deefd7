package dev.switchboard.testing.fake;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Vapi's phone-number API as https://api.vapi.ai serves it: import a Twilio number
 * ({@code POST /phone-number}), list ({@code GET /phone-number}, {@code limit} default 100 and at
 * most 1000, filtered with {@code createdAtLt}/{@code Le}/{@code Gt}/{@code Ge}), get and delete
 * by id. Bearer auth with the private key given to the constructor; errors in Vapi's NestJS shape
 * {@code {"message":…,"error":"Not Found","statusCode":404}} (an assumption: Vapi's document
 * describes no error bodies).
 *
 * <p>Vapi does not document the order of its list. The fake answers newest first unless told
 * otherwise ({@link #answerListsIn}): oldest first, or in no createdAt order at all, so tests
 * can prove the client is right whichever order the real service uses.
 *
 * <p>State is exposed for assertions: {@link #numbers()}, and the Twilio auth token each
 * number was imported with ({@link #twilioAuthTokenSentFor}), so a test can prove the
 * subaccount's token, not the master's, reached Vapi. {@link #plant} adds a number nobody
 * recorded (an orphan), as a crash between import and commit would leave.
 */
public final class FakeVapi extends FakeHttpServer {
  public static final String CREATE = "vapi.phone-number.create";
  public static final String LIST = "vapi.phone-number.list";
  public static final String GET = "vapi.phone-number.get";
  public static final String DELETE = "vapi.phone-number.delete";

  /** A key for tests that do not care which key is used. */
  public static final String DEFAULT_API_KEY = "vapi-private-key-for-tests";

  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1000;
  private static final int MAX_NAME_LENGTH = 40;
  private static final Pattern UUID_SHAPE =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private volatile String apiKey;
  private String orgId = UUID.randomUUID().toString();
  private final Map<String, FakeVapiNumber> byId = new LinkedHashMap<>();
  private final Map<String, String> tokenByNumber = new LinkedHashMap<>();
  private Instant lastCreatedAt = Instant.EPOCH;
  private ListOrder listOrder = ListOrder.NEWEST_FIRST;

  /** The orders the fake can list in; Vapi's document names none. */
  public enum ListOrder {
    NEWEST_FIRST(Comparator.comparing(FakeVapiNumber::createdAt).reversed()),
    OLDEST_FIRST(Comparator.comparing(FakeVapiNumber::createdAt)),
    /** By id: random uuids, so createdAt rises and falls along the list. */
    NO_CREATED_AT_ORDER(Comparator.comparing(FakeVapiNumber::id));

    private final Comparator<FakeVapiNumber> comparator;

    ListOrder(Comparator<FakeVapiNumber> comparator) {
      this.comparator = comparator;
    }
  }

  public FakeVapi() {
    this(DEFAULT_API_KEY);
  }

  public FakeVapi(String apiKey) {
    this.apiKey = apiKey;
    route(CREATE, "POST", "/phone-number", this::create);
    route(LIST, "GET", "/phone-number", this::list);
    route(GET, "GET", "/phone-number/{id}", this::get);
    route(DELETE, "DELETE", "/phone-number/{id}", this::delete);
    start();
  }

  // ------------------------------------------------------------------ helpers for tests

  /** Replaces the org's private key: the old one is refused (401) from now on. */
  public void rollApiKey(String newKey) {
    apiKey = newKey;
  }

  /** Every number the org holds, oldest first. */
  public synchronized List<FakeVapiNumber> numbers() {
    return List.copyOf(byId.values());
  }

  public synchronized Optional<FakeVapiNumber> number(String e164) {
    return byId.values().stream().filter(n -> n.number().equals(e164)).findFirst();
  }

  /** The {@code twilioAuthToken} the import of this number carried (empty for planted ones). */
  public synchronized Optional<String> twilioAuthTokenSentFor(String e164) {
    return Optional.ofNullable(tokenByNumber.get(e164));
  }

  /** From now on {@code GET /phone-number} answers in this order. */
  public synchronized void answerListsIn(ListOrder order) {
    listOrder = order;
  }

  /** Adds a number imported outside our records (an orphan for the reconciler to find). */
  public synchronized FakeVapiNumber plant(String e164, String twilioAccountSid) {
    return store(e164, twilioAccountSid, null, "planted by a test", null);
  }

  /** Adds a number created at this instant (several may share one, as at Vapi). */
  public synchronized FakeVapiNumber plant(String e164, String twilioAccountSid, Instant createdAt) {
    FakeVapiNumber number = new FakeVapiNumber(UUID.randomUUID().toString(), orgId, e164, twilioAccountSid,
        "planted by a test", null, createdAt, createdAt);
    byId.put(number.id(), number);
    if (createdAt.isAfter(lastCreatedAt)) {
      lastCreatedAt = createdAt;
    }
    return number;
  }

  /** Adds a free Vapi SIP number ({@code sip:…@sip.vapi.ai}): listed with a sipUri and no "number". */
  public synchronized FakeVapiNumber plantSip(String sipUri) {
    return store(sipUri, null, null, "SIP number planted by a test", null);
  }

  public synchronized String orgId() {
    return orgId;
  }

  // ------------------------------------------------------------------ state kept between runs

  /** Everything the fake holds: its org, the numbers, the Twilio token each was imported with. */
  public record State(String orgId, List<FakeVapiNumber> numbers, Map<String, String> twilioAuthTokens) {}

  public synchronized State state() {
    return new State(orgId, numbers(), Map.copyOf(tokenByNumber));
  }

  /** Puts back what {@link #state} returned; new numbers are created after the newest of them. */
  public synchronized void restore(State state) {
    orgId = state.orgId();
    for (FakeVapiNumber number : state.numbers()) {
      byId.put(number.id(), number);
      if (number.createdAt().isAfter(lastCreatedAt)) {
        lastCreatedAt = number.createdAt();
      }
    }
    tokenByNumber.putAll(state.twilioAuthTokens());
  }

  // ------------------------------------------------------------------ routes

  private synchronized FakeResponse create(FakeRequest request) {
    Map<String, Object> body = parseJson(request.body());
    List<String> problems = new ArrayList<>();
    Object provider = body.get("provider");
    if (!"twilio".equals(provider)) {
      // the real API accepts other providers; this fake only speaks the Twilio import
      problems.add("provider must be one of the following values: byo-phone-number, twilio, vonage, vapi, telnyx");
    }
    String number = stringField(body, "number", problems, true);
    String accountSid = stringField(body, "twilioAccountSid", problems, true);
    String token = stringField(body, "twilioAuthToken", problems, true);
    String name = stringField(body, "name", problems, false);
    String assistantId = stringField(body, "assistantId", problems, false);
    if (name != null && name.length() > MAX_NAME_LENGTH) {
      problems.add("name must be shorter than or equal to " + MAX_NAME_LENGTH + " characters");
    }
    if (!problems.isEmpty()) {
      return vapiError(400, "Bad Request", problems);
    }
    if (number(number).isPresent()) {
      throw new FakeError(400, null, "Existing Phone Number " + number + " Found In Org. Please Delete It First.");
    }
    FakeVapiNumber created = store(number, accountSid, token, name, assistantId);
    return FakeResponse.json(201, toJson(created.toJson(token)));
  }

  private synchronized FakeResponse list(FakeRequest request) {
    Map<String, String> query = request.queryParams();
    int limit = DEFAULT_LIMIT;
    if (query.containsKey("limit")) {
      try {
        limit = (int) Double.parseDouble(query.get("limit"));
      } catch (NumberFormatException e) {
        return vapiError(400, "Bad Request", List.of("limit must be a number conforming to the specified constraints"));
      }
      if (limit < 0 || limit > MAX_LIMIT) {
        return vapiError(400, "Bad Request", List.of("limit must not be greater than " + MAX_LIMIT));
      }
    }
    Predicate<Instant> window = t -> true;
    window = window.and(bound(query, "createdAtLt", (t, b) -> t.isBefore(b)));
    window = window.and(bound(query, "createdAtLe", (t, b) -> !t.isAfter(b)));
    window = window.and(bound(query, "createdAtGt", (t, b) -> t.isAfter(b)));
    window = window.and(bound(query, "createdAtGe", (t, b) -> !t.isBefore(b)));
    Predicate<Instant> inWindow = window;
    List<Object> page = byId.values().stream()
        .filter(n -> inWindow.test(n.createdAt()))
        .sorted(listOrder.comparator)
        .limit(limit)
        .map(n -> (Object) n.toJson(tokenByNumber.get(n.number())))
        .toList();
    return FakeResponse.json(200, toJson(page));
  }

  private synchronized FakeResponse get(FakeRequest request) {
    return FakeResponse.json(200, toJson(existing(request).toJson(null)));
  }

  private synchronized FakeResponse delete(FakeRequest request) {
    FakeVapiNumber number = existing(request);
    byId.remove(number.id());
    String token = tokenByNumber.remove(number.number());
    return FakeResponse.json(200, toJson(number.toJson(token)));
  }

  private FakeVapiNumber existing(FakeRequest request) {
    String id = request.pathParam("id");
    if (!UUID_SHAPE.matcher(id).matches()) {
      throw new FakeError(400, null, "Validation failed (uuid is expected)");
    }
    FakeVapiNumber number = byId.get(id);
    if (number == null) {
      throw new FakeError(404, null, "Phone Number Not Found");
    }
    return number;
  }

  private FakeVapiNumber store(String e164, String accountSid, String token, String name, String assistantId) {
    // strictly increasing createdAt, so paging by createdAt behaves as it does at Vapi
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Instant createdAt = now.isAfter(lastCreatedAt) ? now : lastCreatedAt.plusMillis(1);
    lastCreatedAt = createdAt;
    FakeVapiNumber number = new FakeVapiNumber(UUID.randomUUID().toString(), orgId, e164, accountSid,
        name, assistantId, createdAt, createdAt);
    byId.put(number.id(), number);
    if (token != null) {
      tokenByNumber.put(e164, token);
    }
    return number;
  }

  private static String stringField(Map<String, Object> body, String field, List<String> problems,
                                    boolean required) {
    Object value = body.get(field);
    if (value == null) {
      if (required) {
        problems.add(field + " should not be empty");
      }
      return null;
    }
    if (!(value instanceof String) || ((String) value).isEmpty()) {
      problems.add(field + " must be a string");
      return null;
    }
    return (String) value;
  }

  private interface Comparison {
    boolean test(Instant createdAt, Instant bound);
  }

  private static Predicate<Instant> bound(Map<String, String> query, String name, Comparison comparison) {
    String raw = query.get(name);
    if (raw == null) {
      return t -> true;
    }
    Instant bound;
    try {
      bound = Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw new FakeError(400, null, name + " must be a valid ISO 8601 date string");
    }
    return t -> comparison.test(t, bound);
  }

  // ------------------------------------------------------------------ Vapi's wire details

  @Override
  protected FakeResponse authenticate(FakeRequest request) {
    String header = request.header("Authorization");
    if (header == null || !header.equals("Bearer " + apiKey)) {
      return vapiError(401, "Unauthorized",
          "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.");
    }
    return null;
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    return vapiError(status, reason(status), message == null ? reason(status) : message);
  }

  private static FakeResponse vapiError(int status, String error, Object message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("message", message);
    body.put("error", error);
    body.put("statusCode", status);
    return FakeResponse.json(status, toJson(body));
  }

  private static String reason(int status) {
    switch (status) {
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      default: return "Error";
    }
  }
}
