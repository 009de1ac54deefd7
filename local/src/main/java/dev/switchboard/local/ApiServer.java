package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testing.fake.FakeStripe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP API on localhost: every {@code HttpApi} route of the template, each request turned
 * into a payload 2.0 event for the route's function and the function's answer turned back
 * into the HTTP response, as API Gateway does. Requests are served concurrently; each one
 * runs in an execution environment of its function's pool.
 *
 * <p>Routes behind the API's authorizer are checked as API Gateway checks them, in the mode
 * the template's {@code AuthorizerMode} names ({@link GatewayAuthorizer}): the local tokens
 * are signed, so an unsigned token, another key's or another audience's is refused. A request
 * that arrived through a proxy or tunnel ({@link ForwardedRequests}) still gets 401 on every
 * such route and 404 under {@code /_local/}, whatever it carries: only the routes without an
 * authorizer (the Stripe webhook, which verifies its own signature) are served to it.
 */
final class ApiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** API Gateway's own limit on a request body (10 MB); our functions refuse far less. */
  private static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
  /** An HTTP API waits at most 30 s for its integration, whatever the function's Timeout. */
  static final Duration INTEGRATION_TIMEOUT = Duration.ofSeconds(30);

  private final LocalRun run;
  private final List<HttpRoute> routes;
  private final HttpServer server;
  private final ExecutorService executor;
  private final PrintStream log;
  private final Duration integrationTimeout;
  private final GatewayAuthorizer authorizer;
  private volatile CheckoutPayer payer;

  private ApiServer(LocalRun run, HttpServer server, ExecutorService executor, PrintStream log,
      Duration integrationTimeout) {
    this.run = run;
    this.routes = run.template().routes();
    this.server = server;
    this.executor = executor;
    this.log = log;
    this.integrationTimeout = integrationTimeout;
    this.authorizer = authorizer(run, executor);
  }

  /** The template's AuthorizerMode: our AuthorizerFunction (lambda) or API Gateway's JWT authorizer. */
  private GatewayAuthorizer authorizer(LocalRun run, ExecutorService executor) {
    if (!"lambda".equals(run.parameter("AuthorizerMode").orElse("jwt"))) {
      return GatewayAuthorizer.Jwt.local(run.devKey(), java.time.Clock.systemUTC());
    }
    FunctionPool pool = run.pool(LocalRun.AUTHORIZER_FUNCTION).orElseThrow(() -> new TemplateException(
        "AuthorizerMode lambda needs the template's " + LocalRun.AUTHORIZER_FUNCTION));
    long ttl = run.parameter("AuthorizerCacheTtlSeconds").map(Long::parseLong).orElse(300L);
    return new GatewayAuthorizer.Lambda(event -> {
      Optional<FunctionProcess.Outcome> outcome = invokeWithin(pool, HttpApiEvents.newRequestId(), event,
          "authorizer");
      if (outcome.isPresent() && outcome.get().kind() == FunctionProcess.Outcome.Kind.RESULT) {
        return Optional.of(outcome.get().text());
      }
      outcome.ifPresent(o -> log.println(LocalRun.AUTHORIZER_FUNCTION + " failed (" + o.kind() + "): "
          + ErrorDocuments.summary(o.text())));
      return Optional.empty();
    }, Duration.ofSeconds(ttl), java.time.Clock.systemUTC());
  }

  static ApiServer start(LocalRun run, String host, int port, PrintStream log) {
    return start(run, host, port, log, INTEGRATION_TIMEOUT);
  }

  /** With another integration timeout than API Gateway's 30 s (tests). */
  static ApiServer start(LocalRun run, String host, int port, PrintStream log, Duration integrationTimeout) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 128);
    } catch (IOException e) {
      throw new UsageException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
          + "): is another server using it? choose another with --port");
    }
    ExecutorService executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "api-request");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    ApiServer api = new ApiServer(run, server, executor, log, integrationTimeout);
    server.createContext("/", api::serve);
    server.start();
    api.payer = api.checkoutPayer().orElse(null);
    if (api.payer != null) { // the sessions' checkoutUrl: this server's Checkout page, as Stripe's test mode has its own
      api.payer.stripe().checkoutPagesAt(api.pageBaseUrl() + CheckoutPage.PREFIX);
    }
    return api;
  }

  /** Where the sandbox pays Checkout sessions: only with the fake Stripe and a webhook route. */
  private Optional<CheckoutPayer> checkoutPayer() {
    Optional<HttpRoute> webhook = routes.stream().filter(r -> r.path().endsWith("/webhooks/stripe")).findFirst();
    Optional<FakeStripe> stripe = run.services().stripeSandbox().flatMap(StripeSandbox::fake);
    if (webhook.isEmpty() || stripe.isEmpty()) {
      return Optional.empty();
    }
    String secret = run.pool(webhook.get().functionId()).map(p -> p.environment().get("STRIPE_WEBHOOK_SECRET"))
        .orElse(null);
    return secret == null ? Optional.empty()
        : Optional.of(new CheckoutPayer(stripe.get(), secret, baseUrl() + webhook.get().path()));
  }

  /** The sandbox's "the customer pays" control; empty when Stripe is real. */
  Optional<CheckoutPayer> payer() {
    return Optional.ofNullable(payer);
  }

  String baseUrl() {
    String host = server.getAddress().getHostString();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getAddress().getPort();
  }

  /** The base URL a browser on this machine opens: a wildcard listen address is reached on 127.0.0.1. */
  String pageBaseUrl() {
    return server.getAddress().getAddress().isAnyLocalAddress()
        ? "http://127.0.0.1:" + server.getAddress().getPort() : baseUrl();
  }

  /** Only this machine can reach it (the unverified JWTs make anything else unsafe). */
  boolean isLoopback() {
    return server.getAddress().getAddress().isLoopbackAddress();
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<HttpRoute> routes() {
    return routes;
  }

  private void serve(HttpExchange exchange) throws IOException {
    long started = System.nanoTime();
    String method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
    String rawPath = exchange.getRequestURI().getRawPath();
    String path = java.net.URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
    int status = 500;
    String target = "-";
    try (exchange) {
      // through a tunnel: the Stripe webhook only (the JWTs here are not verified)
      boolean forwarded = ForwardedRequests.isForwarded(exchange.getRequestHeaders(), exchange.getRemoteAddress());
      if (path.startsWith(LOCAL_PREFIX) && forwarded) {
        target = "refused (forwarded)";
        status = send(exchange, 404, Map.of("content-type", "application/json"), "{\"message\":\"Not Found\"}");
        return;
      }
      if (path.startsWith(LOCAL_PREFIX)) {
        target = "sandbox";
        status = local(exchange, method, path);
        return;
      }
      Optional<Match> match = match(method, path);
      if (match.isEmpty()) {
        status = send(exchange, 404, Map.of("content-type", "application/json"), "{\"message\":\"Not Found\"}");
        return;
      }
      HttpRoute route = match.get().route();
      target = route.functionId();
      byte[] body = readBody(exchange.getRequestBody());
      if (body == null) {
        status = send(exchange, 413, Map.of("content-type", "application/json"),
            "{\"message\":\"Request Entity Too Large\"}");
        return;
      }
      String requestId = HttpApiEvents.newRequestId();
      Instant now = Instant.now();
      HttpApiEvents.Request request = new HttpApiEvents.Request(method, rawPath,
          exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body,
          exchange.getRemoteAddress().getAddress().getHostAddress());
      GatewayAuthorizer.Decision decision = new GatewayAuthorizer.Decision(200, null, Optional.empty(), Optional.empty());
      if (route.authorized()) {
        decision = forwarded ? GatewayAuthorizer.UNAUTHORIZED
            : authorizer.authorize(exchange.getRequestHeaders().getFirst("Authorization"), authorization ->
                HttpApiEvents.authorizerEvent(request, route, match.get().pathParameters(), requestId, now,
                    authorization));
        if (!decision.allowed()) {
          target = forwarded ? route.functionId() + " refused (forwarded)" : route.functionId() + " refused";
          Map<String, String> headers = decision.status() == 401
              ? Map.of("content-type", "application/json", "www-authenticate", "Bearer")
              : Map.of("content-type", "application/json");
          status = send(exchange, decision.status(), headers, decision.body());
          return;
        }
      }
      String event = HttpApiEvents.build(request, route, match.get().pathParameters(), decision.jwtClaims(),
          decision.lambdaContext(), requestId, now).toString();
      FunctionPool pool = run.pool(route.functionId()).orElseThrow();
      Optional<FunctionProcess.Outcome> outcome = invokeWithin(pool, requestId, event, method + " " + rawPath);
      status = outcome.isPresent() ? respond(exchange, route, outcome.get())
          : send(exchange, 503, Map.of("content-type", "application/json"), "{\"message\":\"Service Unavailable\"}");
    } catch (RuntimeException e) {
      log.println("local API error on " + method + " " + rawPath + ": " + e);
      if (exchange.getResponseCode() == -1) { // nothing sent yet: answer as API Gateway would
        status = send(exchange, 500, Map.of("content-type", "application/json"),
            "{\"message\":\"Internal Server Error\"}");
      }
    } finally {
      log.printf("%s %s -> %s %d (%d ms)%n", method, rawPath, target, status,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  /**
   * The function's outcome, or empty when it took longer than the integration timeout: API
   * Gateway then answers 503 while the function runs on to its end, as here (its late
   * outcome is logged).
   */
  private Optional<FunctionProcess.Outcome> invokeWithin(FunctionPool pool, String requestId, String event,
      String request) {
    long started = System.nanoTime();
    CompletableFuture<FunctionProcess.Outcome> invocation =
        CompletableFuture.supplyAsync(() -> pool.invoke(requestId, event), executor);
    try {
      return Optional.of(invocation.get(integrationTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      log.println(request + ": API Gateway stops waiting after " + integrationTimeout.toSeconds()
          + " s and answers 503; " + pool.function().logicalId() + " runs on");
      invocation.thenAccept(late -> log.printf("%s: %s finished after %d ms, %s (the client had its 503)%n", request,
          pool.function().logicalId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), late.kind()));
      return Optional.empty();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + pool.function().logicalId(), e);
    }
  }

  /** Not an API route: controls of the local sandboxes. */
  static final String LOCAL_PREFIX = "/_local/";
  private static final java.util.regex.Pattern PAY =
      java.util.regex.Pattern.compile("/_local/checkout-sessions/([A-Za-z0-9_]+)/pay");

  /** Where the API's OpenAPI document is served (docs/openapi.yaml of the project). */
  static final String OPENAPI_PATH = LOCAL_PREFIX + "openapi.yaml";

  /**
   * {@code GET /_local/openapi.yaml}; the sandbox's Checkout pages ({@link CheckoutPage});
   * {@code POST /_local/checkout-sessions/{id}/pay}: the customer pays, Stripe calls the webhook.
   */
  private int local(HttpExchange exchange, String method, String path) throws IOException {
    if (path.equals(OPENAPI_PATH) && method.equals("GET")) {
      return openApiDocument(exchange);
    }
    if (path.startsWith(CheckoutPage.PREFIX)) {
      return CheckoutPage.serve(exchange, method, path, payer, run);
    }
    java.util.regex.Matcher m = PAY.matcher(path);
    Map<String, String> json = Map.of("content-type", "application/json");
    if (!m.matches() || !method.equals("POST")) {
      return send(exchange, 404, json, "{\"message\":\"Not Found\"}");
    }
    if (payer == null) {
      return send(exchange, 409, json, "{\"message\":\"Stripe is not sandboxed in this run: pay on Stripe's own Checkout page\"}");
    }
    CheckoutPayer.Delivery delivery;
    try {
      delivery = payer.pay(m.group(1));
    } catch (IllegalArgumentException e) {
      return send(exchange, 404, json, JSON.createObjectNode().put("message", e.getMessage()).toString());
    } catch (IllegalStateException e) { // paid already, or expired: Stripe takes no second payment
      return send(exchange, 409, json, JSON.createObjectNode().put("message", e.getMessage()).toString());
    }
    var answer = JSON.createObjectNode();
    answer.put("sessionId", m.group(1));
    answer.put("event", "checkout.session.completed");
    answer.put("webhookStatus", delivery.status());
    try {
      answer.set("webhookAnswer", JSON.readTree(delivery.answer()));
    } catch (IOException e) {
      answer.put("webhookAnswer", delivery.answer());
    }
    return send(exchange, delivery.status() == 200 ? 200 : 502, json, answer.toString());
  }

  /** The project's docs/openapi.yaml, read on each request so an edit shows at once. */
  private int openApiDocument(HttpExchange exchange) throws IOException {
    java.nio.file.Path file = run.projectDirectory().resolve("docs/openapi.yaml");
    if (!java.nio.file.Files.isRegularFile(file)) {
      return send(exchange, 404, Map.of("content-type", "application/json"),
          "{\"message\":\"no docs/openapi.yaml in " + run.projectDirectory() + "\"}");
    }
    return send(exchange, 200, Map.of("content-type", "application/yaml; charset=utf-8",
        "access-control-allow-origin", "*"), java.nio.file.Files.readString(file));
  }

  private record Match(HttpRoute route, Map<String, String> pathParameters) {}

  private Optional<Match> match(String method, String path) {
    for (HttpRoute route : routes) { // most specific first
      if (!route.anyMethod() && !route.method().equals(method)) {
        continue;
      }
      Optional<Map<String, String>> parameters = route.match(path);
      if (parameters.isPresent()) {
        return Optional.of(new Match(route, parameters.get()));
      }
    }
    return Optional.empty();
  }

  /** The function's answer as API Gateway maps a payload 2.0 response. */
  private int respond(HttpExchange exchange, HttpRoute route, FunctionProcess.Outcome outcome) throws IOException {
    switch (outcome.kind()) {
      case RESULT:
        break;
      case TIMEOUT:
        log.println(route.functionId() + ": " + outcome.text());
        return send(exchange, 503, Map.of("content-type", "application/json"),
            "{\"message\":\"Service Unavailable\"}");
      default:
        log.println(route.functionId() + " failed (" + outcome.kind() + "): " + ErrorDocuments.summary(outcome.text()));
        return send(exchange, 500, Map.of("content-type", "application/json"),
            "{\"message\":\"Internal Server Error\"}");
    }
    JsonNode result;
    try {
      result = JSON.readTree(outcome.text());
    } catch (IOException e) {
      log.println(route.functionId() + " answered something that is not JSON");
      return send(exchange, 500, Map.of("content-type", "application/json"),
          "{\"message\":\"Internal Server Error\"}");
    }
    if (result == null || !result.isObject() || !result.has("statusCode")) {
      // payload 2.0: a result without statusCode is the body of a 200 JSON answer
      return send(exchange, 200, Map.of("content-type", "application/json"), outcome.text());
    }
    int status = result.path("statusCode").asInt(500);
    var headers = exchange.getResponseHeaders();
    for (Map.Entry<String, JsonNode> h : result.path("headers").properties()) {
      headers.add(h.getKey(), h.getValue().asText());
    }
    for (Map.Entry<String, JsonNode> h : result.path("multiValueHeaders").properties()) {
      h.getValue().forEach(v -> headers.add(h.getKey(), v.asText()));
    }
    result.path("cookies").forEach(c -> headers.add("set-cookie", c.asText()));
    byte[] body = new byte[0];
    JsonNode bodyNode = result.get("body");
    if (bodyNode != null && !bodyNode.isNull()) {
      boolean base64 = result.path("isBase64Encoded").asBoolean(false);
      body = base64 ? Base64.getDecoder().decode(bodyNode.asText())
          : bodyNode.asText().getBytes(StandardCharsets.UTF_8);
    }
    if (!headers.containsKey("content-type") && body.length > 0) {
      headers.add("content-type", "application/json");
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
    return status;
  }

  static int send(HttpExchange exchange, int status, Map<String, String> headers, String body)
      throws IOException {
    headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
    return status;
  }

  /** The body, or null when it is larger than API Gateway would accept. */
  private static byte[] readBody(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    return bytes.length > MAX_BODY_BYTES ? null : bytes;
  }

  /** Stops accepting requests (waiting up to a second for those in flight). */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
