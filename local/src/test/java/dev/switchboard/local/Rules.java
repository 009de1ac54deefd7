package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The template's Rules as CloudFormation applies them before it creates or updates anything:
 * each rule whose RuleCondition holds checks its assertions, and a failed one refuses the
 * deployment with its AssertDescription. Only the rule functions the template uses (Fn::And,
 * Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Ref) are known; anything else fails the test.
 */
final class Rules {
  private final JsonNode template;

  Rules(JsonNode template) {
    this.template = template;
  }

  /** The AssertDescription of every assertion these parameter values fail (the template's defaults fill the rest). */
  List<String> refusals(Map<String, String> parameters) {
    List<String> refused = new ArrayList<>();
    template.path("Rules").properties().forEach(rule -> {
      JsonNode condition = rule.getValue().path("RuleCondition");
      if (!condition.isMissingNode() && !bool(condition, parameters)) {
        return;
      }
      rule.getValue().path("Assertions").forEach(a -> {
        if (!bool(a.path("Assert"), parameters)) {
          refused.add(rule.getKey() + ": " + a.path("AssertDescription").asText());
        }
      });
    });
    return refused;
  }

  private boolean bool(JsonNode node, Map<String, String> parameters) {
    var entry = node.properties().iterator().next();
    JsonNode args = entry.getValue();
    return switch (entry.getKey()) {
      case "Fn::And" -> {
        boolean all = true;
        for (JsonNode a : args) {
          all &= bool(a, parameters);
        }
        yield all;
      }
      case "Fn::Or" -> {
        boolean any = false;
        for (JsonNode a : args) {
          any |= bool(a, parameters);
        }
        yield any;
      }
      case "Fn::Not" -> !bool(args.get(0), parameters);
      case "Fn::Equals" -> Objects.equals(value(args.get(0), parameters), value(args.get(1), parameters));
      case "Fn::Contains" -> ((List<?>) value(args.get(0), parameters)).contains(value(args.get(1), parameters));
      default -> throw new AssertionError("a rule function this test does not know: " + entry.getKey());
    };
  }

  private Object value(JsonNode node, Map<String, String> parameters) {
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(value(n, parameters)));
      return list;
    }
    if (node.has("Ref")) {
      String name = node.path("Ref").asText();
      JsonNode definition = template.path("Parameters").path(name);
      String value = parameters.containsKey(name) ? parameters.get(name) : definition.path("Default").asText(null);
      if (value == null) {
        throw new AssertionError("no value for " + name);
      }
      return definition.path("Type").asText().equals("CommaDelimitedList") ? Arrays.asList(value.split(",", -1)) : value;
    }
    return bool(node, parameters);
  }
}
