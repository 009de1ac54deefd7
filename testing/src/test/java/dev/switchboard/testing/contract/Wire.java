package dev.switchboard.testing.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain HTTP to a fake, shaped as the production clients send it (form bodies for Stripe and
 * Twilio, JSON for Vapi), so the contract test sees exactly what the fake answers on the wire.
 */
final class Wire {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String baseUrl;
  private final Map<String, String> headers = new LinkedHashMap<>();

  private Wire(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  static Wire bearer(String baseUrl, String key) {
    Wire wire = new Wire(baseUrl);
    wire.headers.put("Authorization", "Bearer " + key);
    return wire;
  }

  static Wire basic(String baseUrl, String user, String password) {
    Wire wire = new Wire(baseUrl);
    String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    wire.headers.put("Authorization", "Basic " + token);
    return wire;
  }

  Wire with(String header, String value) {
    Wire copy = new Wire(baseUrl);
    copy.headers.putAll(headers);
    copy.headers.put(header, value);
    return copy;
  }

  record Answer(int status, String body, HttpResponse<String> response) {
    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

  Answer get(String pathAndQuery) {
    return send(request(pathAndQuery).GET());
  }

  Answer delete(String path) {
    return send(request(path).DELETE());
  }

  Answer postForm(String path, String form) {
    return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  Answer postJson(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
        .timeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    return builder;
  }

  private static Answer send(HttpRequest.Builder builder) {
    try {
      HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
