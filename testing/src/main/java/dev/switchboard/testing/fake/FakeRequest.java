package dev.switchboard.testing.fake;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/** One request as the fake received it: kept in the journal for assertions. */
public record FakeRequest(
    String method,
    String path,
    String query,
    Map<String, List<String>> headers,
    String body,
    Map<String, String> pathParams) {

  public String header(String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }

  public String pathParam(String name) {
    return pathParams.get(name);
  }

  /** Query string parameters (first value of each). */
  public Map<String, String> queryParams() {
    return decodeForm(query);
  }

  /** An application/x-www-form-urlencoded body (first value of each key, keys as sent). */
  public Map<String, String> form() {
    return decodeForm(body);
  }

  static Map<String, String> decodeForm(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    decodeFormAll(text).forEach((k, v) -> out.put(k, v.get(0)));
    return out;
  }

  static Map<String, List<String>> decodeFormAll(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v);
    }
    return out;
  }

  static Map<String, String> groups(Matcher m, List<String> names) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String n : names) {
      params.put(n, m.group(n));
    }
    return params;
  }
}
