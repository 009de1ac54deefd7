package dev.switchboard.testing.fake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stripe's form encoding read back into nested values, as Stripe's servers read it:
 * {@code metadata[org_id]=x} becomes {@code {metadata: {org_id: x}}},
 * {@code enabled_events[0]=a&enabled_events[1]=b} and {@code expand[]=a} become lists, and
 * {@code line_items[0][price_data][currency]=gbp} a list of maps.
 */
public final class FakeStripeForm {
  private FakeStripeForm() {}

  /** Parses a form body (or query string) into nested maps and lists; keys keep their order. */
  public static Map<String, Object> parse(String text) {
    Map<String, Object> root = new LinkedHashMap<>();
    FakeRequest.decodeFormAll(text).forEach((key, values) -> {
      for (String value : values) {
        put(root, path(key), value);
      }
    });
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) listsFromIndexes(root);
    return result;
  }

  /** "a[b][0]" → ["a", "b", "0"]; "a[]" → ["a", ""]. */
  private static List<String> path(String key) {
    List<String> parts = new ArrayList<>();
    int open = key.indexOf('[');
    if (open < 0) {
      parts.add(key);
      return parts;
    }
    parts.add(key.substring(0, open));
    int pos = open;
    while (pos < key.length() && key.charAt(pos) == '[') {
      int close = key.indexOf(']', pos);
      if (close < 0) {
        throw new FakeHttpServer.FakeError(400, "parameter_invalid", "Invalid parameter name: " + key);
      }
      parts.add(key.substring(pos + 1, close));
      pos = close + 1;
    }
    return parts;
  }

  @SuppressWarnings("unchecked")
  private static void put(Map<String, Object> root, List<String> path, String value) {
    Map<String, Object> current = root;
    for (int i = 0; i < path.size() - 1; i++) {
      String step = path.get(i);
      String next = path.get(i + 1);
      if (next.isEmpty()) {
        // "a[]": append to a list under step (only as the last step)
        Object existing = current.computeIfAbsent(step, k -> new ArrayList<>());
        if (!(existing instanceof List)) {
          throw new FakeHttpServer.FakeError(400, "parameter_invalid", "Invalid array: " + step);
        }
        ((List<Object>) existing).add(value);
        return;
      }
      Object child = current.computeIfAbsent(step, k -> new LinkedHashMap<String, Object>());
      if (!(child instanceof Map)) {
        throw new FakeHttpServer.FakeError(400, "parameter_invalid", "Invalid hash: " + step);
      }
      current = (Map<String, Object>) child;
    }
    current.put(path.get(path.size() - 1), value);
  }

  /** A map whose keys are all 0, 1, 2… is a list in Stripe's encoding. */
  private static Object listsFromIndexes(Object value) {
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(listsFromIndexes(v)));
      return out;
    }
    if (!(value instanceof Map<?, ?> map)) {
      return value;
    }
    boolean indexed = !map.isEmpty() && map.keySet().stream().allMatch(k -> ((String) k).matches("\\d+"));
    if (indexed) {
      TreeMap<Integer, Object> ordered = new TreeMap<>();
      map.forEach((k, v) -> ordered.put(Integer.parseInt((String) k), listsFromIndexes(v)));
      return new ArrayList<>(ordered.values());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put((String) k, listsFromIndexes(v)));
    return out;
  }
}
