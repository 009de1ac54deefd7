package dev.switchboard.local;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One route of the HTTP API, as an {@code HttpApi} event of a function declares it:
 * {@code DELETE /phone-numbers/{id}}, served by {@code ReleaseNumberFunction}, behind the
 * JWT authorizer or not ({@code Auth: Authorizer: NONE}).
 */
record HttpRoute(String method, String path, String functionId, boolean authorized) {
  private static final Pattern PARAMETER = Pattern.compile("\\{([^}/]+?)(\\+?)}");

  /** {@code "DELETE /phone-numbers/{id}"}, as API Gateway names the route. */
  String routeKey() {
    return method + " " + path;
  }

  boolean anyMethod() {
    return method.equals("ANY");
  }

  /** The path parameters when the path matches this route's path. */
  Optional<Map<String, String>> match(String requestPath) {
    Matcher m = PARAMETER.matcher(path);
    StringBuilder regex = new StringBuilder("^");
    int last = 0;
    java.util.List<String> names = new java.util.ArrayList<>();
    while (m.find()) {
      regex.append(Pattern.quote(path.substring(last, m.start())));
      // {proxy+} is greedy and spans slashes; {id} is one segment
      regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
      names.add(m.group(1));
      last = m.end();
    }
    regex.append(Pattern.quote(path.substring(last))).append("$");
    Matcher request = Pattern.compile(regex.toString()).matcher(requestPath);
    if (!request.matches()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      parameters.put(names.get(i), java.net.URLDecoder.decode(
          request.group(i + 1).replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
    }
    return Optional.of(parameters);
  }

  /** How specific the route is: literal paths win over {id}, {id} over {proxy+}. */
  int specificity() {
    int score = path.length() * 4;
    if (path.contains("+}")) {
      score -= 1000;
    }
    score -= (int) path.chars().filter(c -> c == '{').count() * 100;
    return anyMethod() ? score - 1 : score;
  }

  static String normaliseMethod(String method) {
    String m = method.toUpperCase(Locale.ROOT);
    return m.equals("*") ? "ANY" : m;
  }
}
