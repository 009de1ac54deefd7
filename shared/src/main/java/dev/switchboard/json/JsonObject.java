package dev.switchboard.json;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed, read-only access to a parsed JSON object. Every accessor names the field (with its
 * path) in the {@link JsonException} it throws, so a 400 can say exactly what was wrong.
 */
public final class JsonObject {
  private final Map<String, Object> map;
  private final String path;

  JsonObject(Map<String, Object> map, String path) {
    this.map = map;
    this.path = path;
  }

  public static JsonObject of(Map<String, Object> map) {
    return new JsonObject(map, "");
  }

  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(map);
  }

  public boolean has(String name) {
    return map.get(name) != null;
  }

  /** Refuses any field not in {@code allowed}: a typo in a request must not pass silently. */
  public JsonObject onlyFields(Set<String> allowed) {
    for (String name : map.keySet()) {
      if (!allowed.contains(name)) {
        throw new JsonException("unknown field \"" + where(name) + "\"", where(name));
      }
    }
    return this;
  }

  public Optional<String> optString(String name) {
    Object v = map.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String)) {
      throw wrongType(name, "a string");
    }
    return Optional.of((String) v);
  }

  public String string(String name) {
    return optString(name).orElseThrow(() -> missing(name));
  }

  public Optional<Long> optLong(String name) {
    Object v = map.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof BigDecimal)) {
      throw wrongType(name, "a whole number");
    }
    try {
      return Optional.of(((BigDecimal) v).longValueExact());
    } catch (ArithmeticException e) {
      throw wrongType(name, "a whole number");
    }
  }

  public long longValue(String name) {
    return optLong(name).orElseThrow(() -> missing(name));
  }

  public Optional<Boolean> optBoolean(String name) {
    Object v = map.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Boolean)) {
      throw wrongType(name, "true or false");
    }
    return Optional.of((Boolean) v);
  }

  public Optional<JsonObject> optObject(String name) {
    Object v = map.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map)) {
      throw wrongType(name, "an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> child = (Map<String, Object>) v;
    return Optional.of(new JsonObject(child, where(name) + "."));
  }

  public JsonObject object(String name) {
    return optObject(name).orElseThrow(() -> missing(name));
  }

  public List<Object> list(String name) {
    Object v = map.get(name);
    if (v == null) {
      throw missing(name);
    }
    if (!(v instanceof List)) {
      throw wrongType(name, "an array");
    }
    @SuppressWarnings("unchecked")
    List<Object> list = (List<Object>) v;
    return Collections.unmodifiableList(list);
  }

  /** A nested string by dotted path ("app_metadata.org_id"), empty where any step is absent. */
  public Optional<String> stringAt(String dottedPath) {
    Object current = map;
    for (String step : dottedPath.split("\\.")) {
      if (!(current instanceof Map)) {
        return Optional.empty();
      }
      current = ((Map<?, ?>) current).get(step);
    }
    return current instanceof String ? Optional.of((String) current) : Optional.empty();
  }

  private String where(String name) {
    return path + name;
  }

  private JsonException missing(String name) {
    return new JsonException("\"" + where(name) + "\" is required", where(name));
  }

  private JsonException wrongType(String name, String expected) {
    return new JsonException("\"" + where(name) + "\" must be " + expected, where(name));
  }

  @Override
  public String toString() {
    return Json.write(map);
  }
}
