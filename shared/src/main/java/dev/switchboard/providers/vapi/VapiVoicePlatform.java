package dev.switchboard.providers.vapi;

import dev.switchboard.config.Credential;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.E164Number;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metrics;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderSettings;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.providers.VoicePlatform;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link VoicePlatform} over Vapi's REST API with the JDK's HTTP client and our own JSON: no
 * SDK, no Jackson, nothing to initialise but one {@link HttpClient}.
 *
 * <p>Failures: a 4xx is {@link ProviderRejected} (the call did not happen); a 5xx, a 429, a
 * timeout, a refused or dropped connection, or a 2xx we cannot read is
 * {@link ProviderUnavailable} (it may have happened: look before assuming it did not).
 * Messages carry the operation, status and request id only; never the API key, a request
 * body (it holds the Twilio auth token) or Vapi's error text (it may echo what we sent).
 *
 * <p>The API key is a {@link Credential}, read for each request from {@link Settings} (cached
 * for a bounded age, forgotten after a SnapStart restore). On a 401 it is read again once and
 * the request repeated only when the key changed (it was rotated).
 */
public final class VapiVoicePlatform implements VoicePlatform {
  public static final String DEFAULT_BASE_URL = "https://api.vapi.ai";
  static final String PROVIDER = "vapi";
  private static final Log LOG = Log.of(VapiVoicePlatform.class);

  /** Vapi's default page size; its maximum is 1000. */
  static final int PAGE_SIZE = 100;

  /** A list of more pages than this is not a list we can trust: stop rather than loop. */
  private static final int MAX_PAGES = 1_000;

  private final URI baseUrl;
  private final Credential apiKey;
  private final Duration readTimeout;
  private final Duration deadline;
  private final HttpClient http;

  public VapiVoicePlatform(URI baseUrl, Credential apiKey, ProviderSettings timeouts) {
    String base = baseUrl.toString();
    this.baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    this.apiKey = apiKey;
    this.readTimeout = timeouts.readTimeout();
    this.deadline = timeouts.connectTimeout().plus(timeouts.readTimeout());
    this.http = HttpClient.newBuilder()
        .connectTimeout(timeouts.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** VAPI_API_KEY (required), VAPI_API_BASE_URL (default {@value #DEFAULT_BASE_URL}), timeouts. */
  public static VapiVoicePlatform from(Settings settings) {
    Credential apiKey = new Credential(settings, "VAPI_API_KEY");
    apiKey.current(); // required at start, as every other setting
    String base = settings.getOrDefault("VAPI_API_BASE_URL", DEFAULT_BASE_URL);
    return new VapiVoicePlatform(baseUrl(base), apiKey, ProviderSettings.from(settings));
  }

  private static URI baseUrl(String text) {
    try {
      URI uri = new URI(text.trim());
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(text, "not an http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new MissingConfigException("VAPI_API_BASE_URL", "VAPI_API_BASE_URL must be an http(s) URL");
    }
  }

  @Override
  public ImportedNumber importTwilioNumber(TwilioImport request) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("provider", "twilio");
    body.put("number", request.number().value());
    body.put("twilioAccountSid", request.twilioAccountSid());
    body.put("twilioAuthToken", request.twilioAuthToken());
    if (request.name() != null) {
      body.put("name", request.name());
    }
    request.assistantId().ifPresent(id -> body.put("assistantId", id));
    HttpRequest post = requestTo("/phone-number")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
        .build();
    Answer answer = send("import", post);
    if (answer.status() / 100 != 2) {
      throw failure("import", answer);
    }
    return imported(answer.object("import"), "import", answer);
  }

  @Override
  public Optional<ImportedNumber> findByNumber(E164Number number) {
    // Vapi's list has no filter by number: page through everything
    return listNumbers("find").stream().filter(n -> n.number().equals(number)).findFirst();
  }

  @Override
  public List<ImportedNumber> listNumbers() {
    return listNumbers("list");
  }

  /**
   * Every number, whichever way Vapi orders its list. Vapi documents {@code limit} and the
   * {@code createdAt} filters of {@code GET /phone-number} but not the order of its answer, so:
   * a window of {@code createdAt} is done when its answer is shorter than the limit (everything
   * in it was answered, in any order); a full page is sorted by {@code createdAt} one way or the
   * other, and the rest of the window lies past its far end, so the next page asks for
   * {@code createdAtLe} its oldest (newest first) or {@code createdAtGe} its newest (oldest
   * first). Inclusive bounds, because two numbers created in the same millisecond can straddle a
   * page; ids already seen are skipped. A full page in no {@code createdAt} order, or one of
   * numbers all created in one millisecond, cannot be paged this way: that is
   * {@link ProviderUnavailable}, never a partial list (this list is the reconciler's orphan check
   * and the undo's look-up).
   */
  private List<ImportedNumber> listNumbers(String operation) {
    List<ImportedNumber> all = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Instant from = null; // createdAtGe
    Instant to = null; // createdAtLe
    for (int pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      String query = "?limit=" + PAGE_SIZE + bound("createdAtGe", from) + bound("createdAtLe", to);
      Answer answer = send(operation, requestTo("/phone-number" + query).GET().build());
      if (answer.status() / 100 != 2) {
        throw failure(operation, answer);
      }
      List<JsonObject> page = answer.array(operation);
      List<Instant> created = new ArrayList<>();
      int added = 0;
      for (JsonObject item : page) {
        created.add(createdAt(item, operation, answer));
        String id = item.optString("id").orElseThrow(() -> unreadable(operation, answer,
            new JsonException("missing \"id\"", "id")));
        if (!seen.add(id)) {
          continue;
        }
        added++;
        // a number Vapi holds that is not an E.164 phone number (a SIP URI, a number of another
        // provider) is none of ours: skip it, so one such item cannot block every look-up
        Optional<E164Number> number = e164(item);
        if (number.isEmpty()) {
          LOG.info("vapi.number.skipped", "operation", operation, "vapiPhoneId", id,
              "reason", "no E.164 number");
          continue;
        }
        all.add(new ImportedNumber(id, number.get()));
      }
      if (page.size() < PAGE_SIZE) {
        return all;
      }
      Instant first = created.get(0);
      Instant last = created.get(created.size() - 1);
      boolean newestFirst = last.isBefore(first);
      if (!sorted(created, newestFirst)) {
        throw new ProviderUnavailable(PROVIDER, operation, answer.status(), answer.requestId(),
            "a full page of phone numbers not in createdAt order", null);
      }
      if (added == 0 || first.equals(last)) {
        throw new ProviderUnavailable(PROVIDER, operation, answer.status(), answer.requestId(),
            "more than " + PAGE_SIZE + " phone numbers share one createdAt", null);
      }
      // the rest of the window lies past the page's far end (its last item), whichever way it runs
      if (newestFirst) {
        to = last;
      } else {
        from = last;
      }
    }
    throw new ProviderUnavailable(PROVIDER, operation, 200, null,
        "more than " + MAX_PAGES + " pages of phone numbers", null);
  }

  private static String bound(String name, Instant value) {
    return value == null ? "" : "&" + name + "=" + URLEncoder.encode(value.toString(), StandardCharsets.UTF_8);
  }

  /** Whether the instants never rise (newest first) or never fall (oldest first) along the page. */
  private static boolean sorted(List<Instant> created, boolean newestFirst) {
    for (int i = 1; i < created.size(); i++) {
      int step = created.get(i).compareTo(created.get(i - 1));
      if (newestFirst ? step > 0 : step < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean delete(String phoneId) {
    HttpRequest delete = requestTo("/phone-number/" + URLEncoder.encode(phoneId, StandardCharsets.UTF_8))
        .DELETE().build();
    Answer answer = send("delete", delete);
    if (answer.status() == 404) {
      return false; // already gone: deleting is done
    }
    if (answer.status() / 100 != 2) {
      throw failure("delete", answer);
    }
    return true;
  }

  // ------------------------------------------------------------------ HTTP

  private HttpRequest.Builder requestTo(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
        .timeout(readTimeout)
        .header("Accept", "application/json");
  }

  /**
   * Sends with the current API key. A 401 means Vapi refused the key before doing anything,
   * so repeating the request (an import included) cannot do it twice; it is repeated once,
   * and only when the key read again differs (it was rotated).
   */
  private Answer send(String operation, HttpRequest request) {
    String key = apiKey.current();
    Answer answer = exchange(operation, withKey(request, key));
    if (answer.status() == 401 && apiKey.reread(key)) {
      LOG.info("vapi.credentials.reread", "operation", operation);
      answer = exchange(operation, withKey(request, apiKey.current()));
    }
    return answer;
  }

  private static HttpRequest withKey(HttpRequest request, String key) {
    return HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase("Authorization"))
        .header("Authorization", "Bearer " + key)
        .build();
  }

  /**
   * Sends and waits at most connect + read timeout for the whole answer. The request's own
   * timeout stops at the response headers (the JDK client does not time the body), so a Vapi
   * that sends headers and then stalls would otherwise hold the Lambda until it is killed.
   */
  private Answer exchange(String operation, HttpRequest request) {
    long started = System.nanoTime();
    boolean providerFailed = true;
    try {
      Answer answer = exchangeInTime(operation, request);
      providerFailed = answer.status() == 429 || answer.status() >= 500;
      return answer;
    } finally {
      Metrics.providerCall(PROVIDER, operation, started, providerFailed);
    }
  }

  private Answer exchangeInTime(String operation, HttpRequest request) {
    CompletableFuture<HttpResponse<String>> call =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response = call.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      String requestId = response.headers().firstValue("x-request-id")
          .or(() -> response.headers().firstValue("cf-ray"))
          .orElse(null);
      return new Answer(response.statusCode(), response.body(), requestId);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new ProviderUnavailable(PROVIDER, operation, 0, null,
          "no complete answer within " + deadline.toMillis() + " ms", null);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpConnectTimeoutException) {
        throw new ProviderUnavailable(PROVIDER, operation, 0, null, "no connection within the connect timeout", null);
      }
      if (cause instanceof HttpTimeoutException) {
        throw new ProviderUnavailable(PROVIDER, operation, 0, null, "no answer within " + readTimeout.toMillis() + " ms", null);
      }
      // refused, reset or closed before an answer; only the type: the text may name the URL
      throw new ProviderUnavailable(PROVIDER, operation, 0, null,
          "no answer (" + (cause == null ? "unknown" : cause.getClass().getSimpleName()) + ")", null);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new ProviderUnavailable(PROVIDER, operation, 0, null, "interrupted while waiting", null);
    }
  }

  private static RuntimeException failure(String operation, Answer answer) {
    int status = answer.status();
    if (status == 429 || status >= 500) {
      return new ProviderUnavailable(PROVIDER, operation, status, answer.requestId(), "HTTP " + status, null);
    }
    if (status >= 400) {
      return new ProviderRejected(PROVIDER, operation, status, null, answer.requestId(), null);
    }
    // 1xx or 3xx: we follow no redirects; treat as "did not get a usable answer"
    return new ProviderUnavailable(PROVIDER, operation, status, answer.requestId(), "unexpected HTTP " + status, null);
  }

  private static ImportedNumber imported(JsonObject json, String operation, Answer answer) {
    try {
      E164Number number = E164Number.parse(json.string("number"))
          .orElseThrow(() -> new JsonException("\"number\" is not E.164", "number"));
      return new ImportedNumber(json.string("id"), number);
    } catch (JsonException e) {
      throw unreadable(operation, answer, e);
    }
  }

  private static Optional<E164Number> e164(JsonObject item) {
    try {
      return item.optString("number").flatMap(E164Number::parse);
    } catch (JsonException e) {
      return Optional.empty(); // "number" of another shape
    }
  }

  private static Instant createdAt(JsonObject json, String operation, Answer answer) {
    try {
      return Instant.parse(json.string("createdAt"));
    } catch (JsonException | DateTimeParseException e) {
      throw unreadable(operation, answer, e);
    }
  }

  private static ProviderUnavailable unreadable(String operation, Answer answer, Exception e) {
    // a 2xx we cannot read: the call may well have worked, so "unavailable", not "rejected"
    String field = e instanceof JsonException && ((JsonException) e).field() != null
        ? " (field " + ((JsonException) e).field() + ")" : "";
    return new ProviderUnavailable(PROVIDER, operation, answer.status(), answer.requestId(),
        "unreadable answer" + field, null);
  }

  /** One HTTP answer; its body is never logged nor put into a message. */
  private record Answer(int status, String body, String requestId) {
    JsonObject object(String operation) {
      try {
        return Json.parseObject(body);
      } catch (JsonException e) {
        throw unreadable(operation, this, e);
      }
    }

    List<JsonObject> array(String operation) {
      Object parsed;
      try {
        parsed = Json.parse(body);
      } catch (JsonException e) {
        throw unreadable(operation, this, e);
      }
      if (!(parsed instanceof List)) {
        throw unreadable(operation, this, new JsonException("expected an array"));
      }
      List<JsonObject> items = new ArrayList<>();
      for (Object item : (List<?>) parsed) {
        if (!(item instanceof Map)) {
          throw unreadable(operation, this, new JsonException("expected objects in the array"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) item;
        items.add(JsonObject.of(map));
      }
      return items;
    }

    @Override
    public String toString() {
      return "Answer[" + status + ", " + requestId + "]"; // never the body
    }
  }

  @Override
  public String toString() {
    return "VapiVoicePlatform[" + baseUrl + "]"; // never the key
  }
}
