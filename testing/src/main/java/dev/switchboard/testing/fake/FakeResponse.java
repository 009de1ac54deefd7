package dev.switchboard.testing.fake;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a fake route answers. */
public record FakeResponse(int status, String contentType, String body, Map<String, String> headers) {
  public static FakeResponse json(int status, String body) {
    return new FakeResponse(status, "application/json; charset=utf-8", body, Map.of());
  }

  public static FakeResponse noContent() {
    return new FakeResponse(204, null, "", Map.of());
  }

  public FakeResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new FakeResponse(status, contentType, body, h);
  }
}
