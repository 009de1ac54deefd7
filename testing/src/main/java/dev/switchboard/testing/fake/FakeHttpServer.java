package dev.switchboard.testing.fake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The base of every fake provider: a real HTTP server on a free loopback port (JDK
 * {@code HttpServer}), routes by method and path template, a journal of every request, and
 * faults queued per route name (once, n times, or always) so a test can make exactly one call
 * fail the way a provider fails: a status with the provider's error body, a delay past the
 * client's timeout, a late success, or a dropped connection.
 */
public abstract class FakeHttpServer implements AutoCloseable {
  protected static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, getClass().getSimpleName());
    t.setDaemon(true);
    return t;
  });
  private final List<Route> routes = new ArrayList<>();
  private final Map<String, Deque<Fault>> faults = new LinkedHashMap<>();
  private final Map<String, Fault> permanentFaults = new LinkedHashMap<>();
  private final List<Recorded> journal = new CopyOnWriteArrayList<>();
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();

  protected FakeHttpServer() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start fake server", e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
  }

  /** Starts serving; call after the subclass registered its routes. */
  protected final void start() {
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Registers a route: {@code path} is a template like
   * {@code /2010-04-01/Accounts/{accountSid}/IncomingPhoneNumbers/{sid}.json}.
   */
  protected final void route(String name, String method, String path, Function<FakeRequest, FakeResponse> handler) {
    List<String> names = new ArrayList<>();
    Matcher m = Pattern.compile("\\{([A-Za-z]+)}").matcher(path);
    StringBuilder regex = new StringBuilder();
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(path.substring(last, m.start())));
      regex.append("(?<").append(m.group(1)).append(">[^/]+?)");
      names.add(m.group(1));
      last = m.end();
    }
    regex.append(Pattern.quote(path.substring(last)));
    routes.add(new Route(name, method, Pattern.compile(regex.toString()), names, handler));
  }

  // ------------------------------------------------------------------ faults

  /** The next call of the named route fails this way. */
  public synchronized void failNext(String route, Fault fault) {
    failNext(route, fault, 1);
  }

  public synchronized void failNext(String route, Fault fault, int times) {
    requireRoute(route);
    Deque<Fault> queue = faults.computeIfAbsent(route, r -> new ArrayDeque<>());
    for (int i = 0; i < times; i++) {
      queue.add(fault);
    }
  }

  /** Every call of the named route fails this way until {@link #heal}. */
  public synchronized void failAlways(String route, Fault fault) {
    requireRoute(route);
    permanentFaults.put(route, fault);
  }

  public synchronized void heal() {
    faults.clear();
    permanentFaults.clear();
  }

  private synchronized Fault takeFault(String route) {
    Fault permanent = permanentFaults.get(route);
    if (permanent != null) {
      return permanent;
    }
    Deque<Fault> queue = faults.get(route);
    return queue == null ? null : queue.poll();
  }

  private void requireRoute(String route) {
    if (routes.stream().noneMatch(r -> r.name.equals(route))) {
      throw new IllegalArgumentException("no route named " + route + " in " + getClass().getSimpleName());
    }
  }

  // ----------------------------------------------------------------- journal

  /** A request the fake received, with the route it matched (null for none). */
  public record Recorded(String route, FakeRequest request, int status) {}

  public List<Recorded> journal() {
    return List.copyOf(journal);
  }

  public long count(String route) {
    return journal.stream().filter(r -> route.equals(r.route())).count();
  }

  /** Calls of the route that the fake answered with a 2xx. */
  public long successCount(String route) {
    return journal.stream()
        .filter(r -> route.equals(r.route()) && r.status() >= 200 && r.status() < 300)
        .count();
  }

  public void clearJournal() {
    journal.clear();
  }

  /**
   * Runs {@code listener} after every request that may have changed what the fake holds (any
   * method but GET that reached its route), once that request's answer is decided: the local
   * runner keeps a sandbox's state on disk this way.
   */
  public void afterEveryChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /** Tells the listeners: a helper that changes state outside a request calls this too. */
  protected final void changed() {
    changeListeners.forEach(Runnable::run);
  }

  // ------------------------------------------------------------- provider specifics

  /** The provider's error body for a status (each fake speaks its own format). */
  protected abstract FakeResponse errorResponse(int status, String code, String message);

  /**
   * What a call failed by a {@link Fault.Status} answers: the provider's error body with the
   * fault's headers. A provider that remembers failures (Stripe keeps a 500 under its
   * idempotency key) overrides this.
   */
  protected FakeResponse faultResponse(FakeRequest request, Fault.Status fault) {
    FakeResponse response = errorResponse(fault.status(), fault.code(), fault.message());
    for (Map.Entry<String, String> header : fault.headers().entrySet()) {
      response = response.withHeader(header.getKey(), header.getValue());
    }
    return response;
  }

  /** Checks credentials; returns an error response to refuse the call, or null. */
  protected FakeResponse authenticate(FakeRequest request) {
    return null;
  }

  // ---------------------------------------------------------------- dispatch

  private void dispatch(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      String method = exchange.getRequestMethod();
      for (Route route : routes) {
        Matcher m = route.pattern.matcher(path);
        if (!route.method.equals(method) || !m.matches()) {
          continue;
        }
        FakeRequest request = new FakeRequest(method, path, query,
            Map.copyOf(exchange.getRequestHeaders()), body, FakeRequest.groups(m, route.params));
        FakeResponse refused = authenticate(request);
        if (refused != null) {
          record(route.name, request, refused.status());
          send(exchange, refused);
          return;
        }
        Fault fault = takeFault(route.name);
        if (fault instanceof Fault.Drop) {
          record(route.name, request, 0);
          return; // closing the exchange before any header drops the connection
        }
        if (fault instanceof Fault.Status s) {
          FakeResponse failed = faultResponse(request, s);
          record(route.name, request, failed.status());
          send(exchange, failed);
          return;
        }
        if (fault instanceof Fault.Delay d) {
          sleep(d.delay().toMillis());
          record(route.name, request, 0);
          return; // the client has given up; it never sees the work done
        }
        if (fault instanceof Fault.DelayThenSucceed d) {
          sleep(d.delay().toMillis());
        }
        FakeResponse response;
        try {
          response = route.handler.apply(request);
        } catch (FakeError e) {
          response = errorResponse(e.status, e.code, e.getMessage());
        }
        record(route.name, request, response.status());
        if (!method.equals("GET")) {
          changed();
        }
        send(exchange, response);
        return;
      }
      FakeRequest request = new FakeRequest(method, path, query,
          Map.copyOf(exchange.getRequestHeaders()), body, Map.of());
      record(null, request, 404);
      send(exchange, errorResponse(404, null, "no such route in the fake: " + method + " " + path));
    } catch (RuntimeException e) {
      // a bug in a fake must show up in the test, not as a hang
      e.printStackTrace();
      throw e;
    }
  }

  private void record(String route, FakeRequest request, int status) {
    journal.add(new Recorded(route, request, status));
  }

  private static void send(HttpExchange exchange, FakeResponse response) throws IOException {
    byte[] bytes = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
    if (response.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
    }
    response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    boolean empty = response.status() == 204 || bytes.length == 0;
    exchange.sendResponseHeaders(response.status(), empty ? -1 : bytes.length);
    if (!empty) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  protected static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  protected static Map<String, Object> parseJson(String body) {
    try {
      return JSON.readValue(body, Map.class);
    } catch (IOException e) {
      throw new FakeError(400, null, "body is not JSON");
    }
  }

  /** Thrown by a route handler to answer with the provider's error body. */
  public static final class FakeError extends RuntimeException {
    final int status;
    final String code;

    public FakeError(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private record Route(String name, String method, Pattern pattern, List<String> params,
                       Function<FakeRequest, FakeResponse> handler) {}
}
