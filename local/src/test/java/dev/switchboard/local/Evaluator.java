package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Evaluates the intrinsic functions CloudFormation resolves from pseudo parameters alone (Ref, Sub, Select, Split, Join). */
final class Evaluator {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");
  private final Map<String, ?> values;

  Evaluator(Map<String, ?> values) {
    this.values = values;
  }

  String string(JsonNode node) {
    Object value = value(node, Map.of());
    if (!(value instanceof String s)) {
      throw new AssertionError("not a string: " + node);
    }
    return s;
  }

  private Object value(JsonNode node, Map<String, Object> local) {
    if (node.isTextual() || node.isNumber()) {
      return node.asText();
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(value(n, local)));
      return list;
    }
    var entry = node.properties().iterator().next();
    JsonNode args = entry.getValue();
    return switch (entry.getKey()) {
      case "Ref" -> lookup(args.asText(), local);
      case "Fn::Select" -> ((List<?>) value(args.get(1), local)).get(Integer.parseInt(String.valueOf(value(args.get(0), local))));
      case "Fn::Split" -> Arrays.asList(String.valueOf(value(args.get(1), local)).split(Pattern.quote(args.get(0).asText()), -1));
      case "Fn::Join" -> String.join(args.get(0).asText(),
          ((List<?>) value(args.get(1), local)).stream().map(String::valueOf).toList());
      case "Fn::Sub" -> {
        Map<String, Object> variables = new java.util.HashMap<>(local);
        String text = args.isArray() ? args.get(0).asText() : args.asText();
        if (args.isArray()) {
          args.get(1).properties().forEach(v -> variables.put(v.getKey(), value(v.getValue(), local)));
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
          m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(lookup(m.group(1), variables))));
        }
        m.appendTail(out);
        yield out.toString();
      }
      default -> throw new AssertionError("not resolvable here: " + node);
    };
  }

  private Object lookup(String name, Map<String, Object> local) {
    Object value = local.containsKey(name) ? local.get(name) : values.get(name);
    if (value == null) {
      throw new AssertionError("no value for " + name);
    }
    return value;
  }
}
